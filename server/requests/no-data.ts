// A subject no registered system holds data about: the dry run says so, and instead of approving an
// erasure of nothing (which certified "0 rows deleted" per table), a second officer closes the
// request with a no-data notice. The close runs the dry run again: a claim of "no data" is checked
// against the live systems when it is made, never taken from an earlier page.
import type { Deps } from '../deps';
import type { Principal } from '../auth';
import { ConflictError } from '../errors';
import { previewRequest, type Preview } from '../erasure/preview';
import { connectionsFor, identityAndShared, planFor } from './erasure-bridge';
import type { SharedValue } from './shared-values';
import type { RequestRow } from './queries';
import { moveAudited } from './lifecycle';
import { destroyedIdentity } from './identity-fields';
import { statusesFor } from './status';

export type RequestPreview = Preview & { shared: SharedValue[] };

/** Rows the erasure would touch: the subject's own, held or not, and mentions of them in other rows. */
export const rowsMatched = (p: Preview): number =>
  p.tables.reduce((n, t) => n + t.rowsMatched + t.mentions.reduce((m, x) => m + x.rows, 0), 0);

/** What the data subject is told (GDPR Art. 12(3)/15(1), CCPA §7022): the search found nothing to erase. */
export const NO_DATA_NOTICE =
  'We searched every system in which we hold personal data for the details you gave us and found no personal data about you. There is nothing to erase, and we have closed your request. The details you gave us for this request have been deleted.';

/** The dry run: what erasure would do, table by table. Nothing is changed or kept. */
export async function dryRun(deps: Deps, row: RequestRow): Promise<RequestPreview> {
  if (row.type !== 'erasure')
    throw new ConflictError(
      "An access request erases nothing, so it has no dry run: approving it builds the access package of the subject's data.",
    );
  if (!row.identity_enc && !row.discovered_enc)
    throw new ConflictError('This request is closed: its identity was destroyed, so there is nothing to preview.');
  const bundle = deps.policies.current();
  const connections = connectionsFor(deps, bundle);
  try {
    const found = await identityAndShared(deps, row, bundle, connections, { persist: false });
    const preview = await previewRequest(await planFor(bundle, row, connections), {
      connections,
      identity: found?.identity ?? {},
    });
    return { ...preview, shared: found?.shared ?? [] };
  } finally {
    await connections.destroy();
  }
}

/** The latest dry run someone looked at, from the request's timeline: whether it found no data. */
export function lastPreviewFoundNothing(
  timeline: { action: string; details: Record<string, unknown> | null }[],
  bundleHash: string,
): boolean {
  const last = timeline.filter((e) => e.action === 'request.preview').pop();
  return !!last && last.details?.noData === true && last.details?.bundleHash === bundleHash;
}

/** Closes an erasure request whose subject no system holds data about (four-eyes, like approving). */
export async function closeNoData(deps: Deps, row: RequestRow, principal: Principal): Promise<RequestRow> {
  if (!statusesFor('close_no_data').includes(row.status))
    throw new ConflictError(
      `This request is ${row.status.replace(/_/g, ' ')}: it can be closed as "no data found" only once the identity is verified and before it is approved.`,
    );
  const preview = await dryRun(deps, row);
  const matched = rowsMatched(preview);
  if (matched > 0)
    throw new ConflictError(
      `The dry run finds ${matched} row(s) about this subject now: approve the erasure instead of closing it as "no data found".`,
    );
  const bundle = deps.policies.hash();
  const closed = await moveAudited(
    deps,
    row.id,
    statusesFor('close_no_data'),
    {
      status: 'no_data',
      decided_by: principal.id,
      decided_at: new Date(),
      completed_at: new Date(),
      bundle_hash: bundle,
      outcome: { noData: true, rowsMatched: 0, tables: preview.tables.length, notice: NO_DATA_NOTICE },
      progress_label: 'Closed: no data found',
      // GDPR Art. 5(1)(e): nothing to erase, so nothing more needs the identity.
      ...destroyedIdentity(),
    },
    {
      actor: principal.id,
      action: 'request.close_no_data',
      details: {
        status: 'no_data',
        tablesSearched: preview.tables.length,
        bundleHash: bundle,
        identityDestroyed: true,
      },
    },
  );
  if (!closed) throw new ConflictError('This request moved on meanwhile: reload the page.');
  return closed;
}

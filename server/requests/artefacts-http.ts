// Shared by the UI and the API: the dry-run preview and downloads of stored artefacts.
import type { Response } from 'express';
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { dryRun, rowsMatched, type RequestPreview } from './no-data';
import { artefact, EXPORT_RETENTION_DAYS, PACKAGE_KINDS, type ArtefactKind, type RequestRow } from './queries';

export { EXPORT_RETENTION_DAYS };

/** Access packages past their download window are deleted (by the worker's housekeeping). */
export const purgeExpiredExports = (db: Knex): Promise<number> =>
  db('request_artefacts')
    .whereIn('kind', PACKAGE_KINDS)
    .andWhere('created_at', '<', new Date(Date.now() - EXPORT_RETENTION_DAYS * 86_400_000))
    .del();

export type { RequestPreview } from './no-data';

/** The dry run, audited: who looked, and whether it found any data about the subject. */
export async function previewFor(deps: Deps, row: RequestRow, actor: string): Promise<RequestPreview> {
  const preview = await dryRun(deps, row);
  const matched = rowsMatched(preview);
  await deps.audit.append({
    actor,
    action: 'request.preview',
    target: `request:${row.id}`,
    details: { bundleHash: deps.policies.hash(), rowsMatched: matched, noData: matched === 0 },
  });
  return preview;
}

export async function sendArtefact(
  deps: Deps,
  res: Response,
  row: RequestRow,
  kind: ArtefactKind,
  actor: string,
): Promise<void> {
  const a = await artefact(deps.db, row.id, kind);
  const isPackage = (PACKAGE_KINDS as readonly string[]).includes(kind);
  if (!a) {
    throw new NotFoundError(
      kind === 'certificate'
        ? 'No certificate: one is issued when an erasure completes and verifies clean.'
        : kind === 'supplement'
          ? 'No supplementary certificate: one is issued when rows kept under a legal hold are erased after the hold ends.'
          : `No package: it is built when the access request completes, and deleted ${EXPORT_RETENTION_DAYS} days later.`,
    );
  }
  // The package is deleted by housekeeping after the window; until then its age is checked
  // here, so an expired package is never served because the cleanup has not run yet.
  if (isPackage && Date.now() - new Date(a.created_at).getTime() > EXPORT_RETENTION_DAYS * 86_400_000) {
    throw new NotFoundError(
      `The package expired: packages can be downloaded for ${EXPORT_RETENTION_DAYS} days after the request completes.`,
    );
  }
  await deps.audit.append({
    actor,
    action: `request.${kind}.download`,
    target: `request:${row.id}`,
    details: { sha256: a.sha256 },
  });
  const bytes = isPackage ? deps.crypto.decryptBytes(a.bytes) : a.bytes;
  // Personal data (UI and API alike): never kept by a browser, proxy or client cache.
  res.set('Cache-Control', 'no-store');
  res.type(a.content_type).attachment(a.filename).set('x-content-sha256', a.sha256).send(bytes);
}

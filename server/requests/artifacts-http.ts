// Shared by the UI and the API: the dry-run preview and downloads of stored artefacts.
import type { Response } from 'express';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError } from '../errors';
import { previewRequest, type Preview } from '../erasure/preview';
import { connectionsFor, identityFor, planFor } from './engine';
import { artifact, type RequestRow } from './queries';

/** How long an access package can be downloaded before it is deleted. */
export const EXPORT_RETENTION_DAYS = 30;

/** The dry run: what erasure would do, table by table. Nothing is changed. */
export async function previewFor(deps: Deps, row: RequestRow, actor: string): Promise<Preview> {
  if (!row.identity_enc && !row.discovered_enc) throw new ConflictError('This request is closed: its identity was destroyed, so there is nothing to preview.');
  const bundle = deps.policies.current();
  const connections = connectionsFor(deps, bundle);
  try {
    const identity = await identityFor(deps, row, bundle, connections);
    await deps.audit.append({ actor, action: 'request.preview', target: `request:${row.id}`, details: { bundleHash: bundle.hash } });
    return await previewRequest(planFor(bundle, row), { connections, identity: identity ?? {} });
  } finally {
    await connections.destroy();
  }
}

export async function sendArtifact(deps: Deps, res: Response, row: RequestRow, kind: 'certificate' | 'export', actor: string): Promise<void> {
  const a = await artifact(deps.db, row.id, kind);
  if (!a) {
    throw new NotFoundError(
      kind === 'certificate'
        ? 'No certificate: one is issued when an erasure completes and verifies clean.'
        : `No package: it is built when the access request completes, and deleted ${EXPORT_RETENTION_DAYS} days later.`,
    );
  }
  await deps.audit.append({ actor, action: `request.${kind}.download`, target: `request:${row.id}`, details: { sha256: a.sha256 } });
  const bytes = kind === 'export' ? deps.crypto.decryptBytes(a.bytes) : a.bytes;
  res.type(a.content_type).attachment(a.filename).set('x-content-sha256', a.sha256).send(bytes);
}

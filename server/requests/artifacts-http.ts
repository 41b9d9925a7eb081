// Shared by the UI and the API: the dry-run preview and downloads of stored artefacts.
import type { Response } from 'express';
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError } from '../errors';
import { previewRequest, type Preview } from '../erasure/preview';
import { connectionsFor, identityAndShared, planFor } from './engine';
import type { SharedValue } from './shared-values';
import { artifact, PACKAGE_KINDS, type ArtifactKind, type RequestRow } from './queries';

/** How long an access package can be downloaded before it is deleted. */
export const EXPORT_RETENTION_DAYS = 30;

/** Access packages past their download window are deleted (by the worker's housekeeping). */
export const purgeExpiredExports = (db: Knex): Promise<number> =>
  db('request_artifacts')
    .whereIn('kind', PACKAGE_KINDS)
    .andWhere('created_at', '<', new Date(Date.now() - EXPORT_RETENTION_DAYS * 86_400_000))
    .del();

/** The dry run: what erasure would do, table by table. Nothing is changed or kept (only the audit entry of who looked). */
export type RequestPreview = Preview & { shared: SharedValue[] };

export async function previewFor(deps: Deps, row: RequestRow, actor: string): Promise<RequestPreview> {
  if (!row.identity_enc && !row.discovered_enc)
    throw new ConflictError('This request is closed: its identity was destroyed, so there is nothing to preview.');
  const bundle = deps.policies.current();
  const connections = connectionsFor(deps, bundle);
  try {
    const found = await identityAndShared(deps, row, bundle, connections, { persist: false });
    await deps.audit.append({
      actor,
      action: 'request.preview',
      target: `request:${row.id}`,
      details: { bundleHash: bundle.hash },
    });
    const preview = await previewRequest(await planFor(bundle, row, connections), {
      connections,
      identity: found?.identity ?? {},
    });
    return { ...preview, shared: found?.shared ?? [] };
  } finally {
    await connections.destroy();
  }
}

export async function sendArtifact(
  deps: Deps,
  res: Response,
  row: RequestRow,
  kind: ArtifactKind,
  actor: string,
): Promise<void> {
  const a = await artifact(deps.db, row.id, kind);
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

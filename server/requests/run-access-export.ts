// Running an approved access request (GDPR Art. 15): the erasure walk, read-only, packaged with the
// Art. 15 information (from the data map and retention.yaml), a README, subject.json and one CSV per
// table, as a tar and as a ZIP. Both stored encrypted with their SHA-256 (audited); the request closes
// and the plaintext identity is destroyed. The access-export job (jobs/access-export.ts) adapts this.
import type { Deps } from '../deps';
import { requestById } from './queries';
import { connectionsFor, identityFor } from './erasure-bridge';
import { exportSubject } from '../erasure/export';
import { moveAudited, setProgress } from './lifecycle';
import { sha256Hex } from '../crypto';
import { destroyedIdentity } from './identity-fields';
import { ACCESS_JOB_STATUSES } from './status';
import { notifySubjectQuietly } from './subject-notices';

/** Access requests Postgres says are due. */
export async function accessExportsDue(deps: Pick<Deps, 'db'>): Promise<string[]> {
  return deps.db('requests').where({ type: 'access' }).whereIn('status', ACCESS_JOB_STATUSES).pluck('id');
}

export async function runAccessExport(
  deps: Deps,
  requestId: string,
  { progress }: { progress(percent: number, label?: string): Promise<void> },
): Promise<Record<string, unknown>> {
  const row = await requestById(deps.db, requestId);
  if (!row || !ACCESS_JOB_STATUSES.includes(row.status)) return { skipped: row?.status ?? 'missing' };
  const bundle = deps.policies.current();
  await moveAudited(
    deps,
    row.id,
    ['approved'],
    { status: 'running', started_at: new Date() },
    { actor: 'system:worker', action: 'request.running' },
  );
  const connections = connectionsFor(deps, bundle);
  try {
    await setProgress(deps.db, row.id, 1, 3, 'Discovering the subject across systems');
    const identity = await identityFor(deps, row, bundle, connections);
    if (!identity) throw new Error('The identity was destroyed before the export finished.');
    await progress(33, 'discovered');
    await setProgress(deps.db, row.id, 2, 3, 'Collecting every row held about the subject');
    const pkg = await exportSubject({
      datamap: bundle.datamap,
      connections,
      identity,
      requestId: row.id,
      subjectFingerprint: row.identity_index,
      regulation: row.regulation,
      policies: { retention: bundle.retention, taxonomy: bundle.taxonomy },
    });
    const bytes = pkg.tar();
    const sha256 = sha256Hex(bytes);
    const zip = await pkg.zip();
    const zipSha256 = sha256Hex(zip);
    await deps.db.transaction(async (trx) => {
      await trx('request_artefacts')
        // The package is the subject's personal data: encrypted at rest, deleted after the
        // delivery window (EXPORT_RETENTION_DAYS, see jobs/reconciler.ts housekeeping).
        .insert([
          {
            request_id: row.id,
            kind: 'export',
            content_type: 'application/x-tar',
            filename: `access-${row.id}.tar`,
            bytes: deps.crypto.encryptBytes(bytes),
            sha256,
          },
          {
            request_id: row.id,
            kind: 'export_zip',
            content_type: 'application/zip',
            filename: `access-${row.id}.zip`,
            bytes: deps.crypto.encryptBytes(zip),
            sha256: zipSha256,
          },
        ])
        .onConflict(['request_id', 'kind'])
        .ignore();
      await moveAudited(
        deps,
        row.id,
        ['running'],
        {
          status: 'completed',
          completed_at: new Date(),
          progress_done: 3,
          progress_total: 3,
          progress_label: 'Completed: package ready',
          outcome: { tables: Object.keys(pkg.csv).length, sha256, zipSha256 },
          ...destroyedIdentity(),
        },
        {
          actor: 'system:worker',
          action: 'request.export',
          details: { sha256, zipSha256, tables: Object.keys(pkg.csv).length, identityDestroyed: true },
        },
        trx,
      );
    });
    await notifySubjectQuietly(deps, row.id);
    await progress(100, 'done');
    return { sha256 };
  } finally {
    await connections.destroy();
  }
}

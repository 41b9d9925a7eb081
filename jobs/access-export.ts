// Access requests (GDPR Art. 15): the erasure walk, read-only, packaged as a tar of
// subject.json plus one CSV per table. Stored with its SHA-256 (audited); the request closes
// and the plaintext identity is destroyed.
import type { JobContext, JobDefinition } from './job';
import { withLease } from './lease';
import type { RequestPayload } from './erasure';
import { requestById } from '../server/requests/queries';
import { connectionsFor, identityFor } from '../server/requests/engine';
import { exportSubject } from '../server/erasure/export';
import { failRequest, moveAudited, setProgress } from '../server/requests/lifecycle';
import { sha256Hex } from '../server/crypto';

export const accessExportJob: JobDefinition<RequestPayload> = {
  kind: 'access-export',
  concurrency: 2,

  handle: (ctx, payload) => withLease(ctx.deps.db, 'requests', payload.requestId, () => exportAccess(ctx, payload)),

  async pending(deps) {
    const rows = await deps.db('requests').where({ type: 'access' }).whereIn('status', ['approved', 'running']).select('id');
    return rows.map((r) => ({ jobId: r.id, payload: { requestId: r.id } }));
  },

  failed: (deps, payload, error) => failRequest(deps, payload.requestId, error),
};

async function exportAccess({ deps, progress }: JobContext, { requestId }: RequestPayload) {
  const row = await requestById(deps.db, requestId);
  if (!row || !['approved', 'running'].includes(row.status)) return { skipped: row?.status ?? 'missing' };
  const bundle = deps.policies.current();
  await moveAudited(deps, row.id, ['approved'], { status: 'running', started_at: new Date() }, { actor: 'system:worker', action: 'request.running' });
  const connections = connectionsFor(deps, bundle);
  try {
    await setProgress(deps.db, row.id, 1, 3, 'Discovering the subject across systems');
    const identity = await identityFor(deps, row, bundle, connections);
    if (!identity) throw new Error('The identity was destroyed before the export finished.');
    await progress(33, 'discovered');
    await setProgress(deps.db, row.id, 2, 3, 'Collecting every row held about the subject');
    const pkg = await exportSubject({ datamap: bundle.datamap, connections, identity, requestId: row.id, subjectFingerprint: row.identity_index });
    const bytes = pkg.tar();
    const sha256 = sha256Hex(bytes);
    await deps.db.transaction(async (trx) => {
      await trx('request_artifacts')
        // The package is the subject's personal data: encrypted at rest, deleted after the
        // delivery window (EXPORT_RETENTION_DAYS, see jobs/reconciler.ts housekeeping).
        .insert({ request_id: row.id, kind: 'export', content_type: 'application/x-tar', filename: `access-${row.id}.tar`, bytes: deps.crypto.encryptBytes(bytes), sha256 })
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
          outcome: { tables: Object.keys(pkg.csv).length, sha256 },
          identity_enc: null,
          discovered_enc: null,
          verification_evidence_enc: null,
        },
        { actor: 'system:worker', action: 'request.export', details: { sha256, tables: Object.keys(pkg.csv).length, identityDestroyed: true } },
        trx,
      );
    });
    await progress(100, 'done');
    return { sha256 };
  } finally {
    await connections.destroy();
  }
}

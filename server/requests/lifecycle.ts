// Closing a request: the outcome recorded, the status final (or needs_attention), and the
// plaintext identity destroyed once nothing more needs it. Only the HMAC index stays.
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { VerifyResult } from '../erasure/verify';
import type { ErasureOutcome } from '../erasure/execute';
import { requestById, transition, type RequestRow } from './queries';

export async function setProgress(db: Knex, id: string, done: number, total: number, label: string): Promise<void> {
  await db('requests').where({ id }).update({ progress_done: done, progress_total: total, progress_label: label, updated_at: db.fn.now() });
}

export async function closeRequest(deps: Deps, row: RequestRow, verification: VerifyResult, outcome: ErasureOutcome, certificateSha256: string | null) {
  const clean = verification.clean;
  const summary = {
    verification: { clean, remaining: verification.remaining, exempt: verification.exempt, problems: verification.problems, scanned: verification.scanned },
    totals: outcome.totals,
    artefacts: outcome.artefacts,
    certificateSha256,
  };
  await deps.db.transaction(async (trx) => {
    const done = await transition(trx, row.id, ['verifying'], {
      status: clean ? 'completed' : 'needs_attention',
      outcome: summary,
      completed_at: clean ? new Date() : null,
      progress_done: row.progress_total || 1,
      progress_total: row.progress_total || 1,
      progress_label: clean ? 'Completed: verified clean' : `Needs attention: ${verification.remaining.length} column(s) still hold identifiers`,
      // GDPR Art. 5(1)(e): the identity is kept no longer than the request needs it.
      ...(clean ? { identity_enc: null, discovered_enc: null, verification_evidence_enc: null } : {}),
    });
    if (!done) return;
    await deps.audit.append(
      {
        actor: 'system:worker',
        action: clean ? 'request.complete' : 'request.needs_attention',
        target: `request:${row.id}`,
        details: { clean, remaining: verification.remaining, rowsAffected: outcome.totals.rowsAffected, rowsKept: outcome.totals.rowsKept, identityDestroyed: clean },
      },
      trx,
    );
  });
}

export async function failRequest(deps: Deps, requestId: string, error: Error): Promise<void> {
  const row = await requestById(deps.db, requestId);
  if (!row) return;
  const message = error.message.split('\n')[0].slice(0, 500);
  await deps.db.transaction(async (trx) => {
    const moved = await transition(trx, requestId, ['approved', 'running', 'verifying'], { status: 'needs_attention', last_error: message });
    if (moved) await deps.audit.append({ actor: 'system:worker', action: 'request.failed', target: `request:${requestId}`, details: { error: message } }, trx);
  });
}

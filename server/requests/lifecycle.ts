// Closing a request: the outcome recorded, the status final (or needs_attention), and the
// plaintext identity destroyed once nothing more needs it. Only the HMAC index stays.
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { VerifyResult } from '../erasure/verify';
import type { ErasureOutcome } from '../erasure/execute';
import { requestById, transition, type RequestRow, type RequestStatus } from './queries';

export type StatusPatch = Partial<RequestRow> & { status: RequestStatus };
export interface StatusEvent {
  actor: string;
  action: string;
  details?: Record<string, unknown>;
}

/**
 * One status change and its audit entry, committed together (in the caller's transaction when
 * given). Undefined when the request's status had already moved on: nothing is written then.
 */
export async function moveAudited(
  deps: Pick<Deps, 'db' | 'audit'>,
  id: string,
  from: readonly RequestStatus[],
  patch: StatusPatch,
  event: StatusEvent,
  trx?: Knex.Transaction,
): Promise<RequestRow | undefined> {
  const run = async (t: Knex.Transaction) => {
    const row = await transition(t, id, from, patch);
    if (row) await deps.audit.append({ actor: event.actor, action: event.action, target: `request:${id}`, details: event.details ?? {} }, t);
    return row;
  };
  return trx ? run(trx) : deps.db.transaction(run);
}

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
  await moveAudited(
    deps,
    row.id,
    ['verifying'],
    {
      status: clean ? 'completed' : 'needs_attention',
      outcome: summary,
      completed_at: clean ? new Date() : null,
      progress_done: row.progress_total || 1,
      progress_total: row.progress_total || 1,
      progress_label: clean ? 'Completed: verified clean' : `Needs attention: ${verification.remaining.length} column(s) still hold identifiers`,
      // GDPR Art. 5(1)(e): the identity is kept no longer than the request needs it.
      ...(clean ? { identity_enc: null, discovered_enc: null, verification_evidence_enc: null } : {}),
    },
    {
      actor: 'system:worker',
      action: clean ? 'request.complete' : 'request.needs_attention',
      details: { clean, remaining: verification.remaining, rowsAffected: outcome.totals.rowsAffected, rowsKept: outcome.totals.rowsKept, identityDestroyed: clean },
    },
  );
}

export async function failRequest(deps: Deps, requestId: string, error: Error): Promise<void> {
  const row = await requestById(deps.db, requestId);
  if (!row) return;
  const message = error.message.split('\n')[0].slice(0, 500);
  await moveAudited(deps, requestId, ['approved', 'running', 'verifying'], { status: 'needs_attention', last_error: message }, { actor: 'system:worker', action: 'request.failed', details: { error: message } });
}

// Closing a request: the outcome recorded, the status final (or needs_attention), and the
// plaintext identity destroyed once nothing more needs it. Only the HMAC index stays.
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { VerifyResult } from '../erasure/verify';
import type { ErasureOutcome } from '../erasure/execute';
import { requestById, transition, type RequestRow } from './queries';
import { ACTIVE_STATUSES, canMove, IllegalTransitionError, type RequestStatus } from './status';
import { destroyedIdentity } from './identity-fields';
import { heldNotice, type HeldEntry } from '../erasure/certificate-held';
import { notifySubjectQuietly } from './subject-notices';

export type StatusPatch = Partial<RequestRow> & { status: RequestStatus };
export interface StatusEvent {
  actor: string;
  action: string;
  details?: Record<string, unknown>;
}

/**
 * One status change and its audit entry, committed together (in the caller's transaction when
 * given). Undefined when the request's status had already moved on: nothing is written then.
 * A move the state machine (./status) does not allow from every one of `from` is refused with
 * IllegalTransitionError before anything is read or written.
 */
export async function moveAudited(
  deps: Pick<Deps, 'db' | 'audit'>,
  id: string,
  from: readonly RequestStatus[],
  patch: StatusPatch,
  event: StatusEvent,
  trx?: Knex.Transaction,
): Promise<RequestRow | undefined> {
  if (!from.length || from.some((f) => !canMove(f, patch.status))) throw new IllegalTransitionError(from, patch.status);
  const run = async (t: Knex.Transaction) => {
    const row = await transition(t, id, from, patch);
    if (row)
      await deps.audit.append(
        { actor: event.actor, action: event.action, target: `request:${id}`, details: event.details ?? {} },
        t,
      );
    return row;
  };
  return trx ? run(trx) : deps.db.transaction(run);
}

export async function setProgress(db: Knex, id: string, done: number, total: number, label: string): Promise<void> {
  await db('requests')
    .where({ id })
    .update({ progress_done: done, progress_total: total, progress_label: label, updated_at: db.fn.now() });
}

/**
 * Clean with rows a legal hold keeps: "completed — part held" (part_held), answered within its
 * deadline; the held rows are tracked by key and erased by the follow-up when the hold ends.
 */
export async function closeRequest(
  deps: Deps,
  row: RequestRow,
  verification: VerifyResult,
  outcome: ErasureOutcome,
  certificateSha256: string | null,
  held: HeldEntry[] = [],
) {
  const clean = verification.clean;
  const partHeld = clean && held.length > 0;
  const heldRows = held.reduce((n, h) => n + h.rows, 0);
  const summary = {
    verification: {
      clean,
      remaining: verification.remaining,
      exempt: verification.exempt,
      held: verification.held ?? [],
      problems: verification.problems,
      warnings: verification.warnings,
      scanned: verification.scanned,
    },
    totals: outcome.totals,
    artefacts: outcome.artefacts,
    certificateSha256,
    held,
    notice: heldNotice(held),
  };
  await moveAudited(
    deps,
    row.id,
    ['verifying'],
    {
      status: partHeld ? 'part_held' : clean ? 'completed' : 'needs_attention',
      outcome: summary,
      completed_at: clean ? new Date() : null,
      progress_done: row.progress_total || 1,
      progress_total: row.progress_total || 1,
      progress_label: partHeld
        ? `Completed — part held: ${heldRows} row(s) kept under legal hold until it ends`
        : clean
          ? 'Completed: verified clean'
          : `Needs attention: ${verification.remaining.length} column(s) still hold identifiers`,
      // GDPR Art. 5(1)(e): the identity is kept no longer than the request needs it.
      ...(clean ? destroyedIdentity() : {}),
    },
    {
      actor: 'system:worker',
      action: partHeld ? 'request.complete_part_held' : clean ? 'request.complete' : 'request.needs_attention',
      details: {
        clean,
        remaining: verification.remaining,
        rowsAffected: outcome.totals.rowsAffected,
        rowsKept: outcome.totals.rowsKept,
        ...(partHeld ? { rowsHeld: heldRows, holds: [...new Set(held.map((h) => h.hold))] } : {}),
        identityDestroyed: clean,
      },
    },
  );
  await notifySubjectQuietly(deps, row.id);
}

export async function failRequest(deps: Deps, requestId: string, error: Error): Promise<void> {
  const row = await requestById(deps.db, requestId);
  if (!row) return;
  const message = error.message.split('\n')[0].slice(0, 500);
  await moveAudited(
    deps,
    requestId,
    ACTIVE_STATUSES,
    { status: 'needs_attention', last_error: message },
    { actor: 'system:worker', action: 'request.failed', details: { error: message } },
  );
}

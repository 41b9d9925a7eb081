// The erasure job (job id = request id). Reads everything from Postgres and checkpoints each
// step there, so a rerun after a crash, a flushed Redis or a retry does nothing twice.
import { UnrecoverableError } from 'bullmq';
import type { Deps } from '../server/deps';
import type { JobContext, JobDefinition } from './job';
import { withLease, type Lease } from './lease';
import { requestById, type RequestRow } from '../server/requests/queries';
import { checkpoints, connectionsFor, decideFor, identityFor, keysFor, planFor, recordSteps } from '../server/requests/engine';
import { holdActive } from '../server/policies/retention';
import type { LegalHold } from '../server/policies/types';
import { runErasure } from '../server/erasure/execute';
import { verifyErasure } from '../server/erasure/verify';
import { ErasureConfigError } from '../server/erasure/errors';
import { issueCertificate } from '../server/requests/certificate';
import { flagArtefacts } from '../server/requests/artefacts';
import { closeRequest, failRequest, moveAudited, setProgress, type StatusPatch } from '../server/requests/lifecycle';

const activeSubjectHold = (holds: LegalHold[], fingerprint: string, now = new Date()) =>
  holds.find((h) => h.subject === fingerprint && holdActive(h, now));

export interface RequestPayload {
  requestId: string;
}

const ACTIVE = ['approved', 'running', 'verifying'] as const;

async function moveTo(deps: Deps, row: RequestRow, from: RequestRow['status'][], patch: StatusPatch, action: string, details: Record<string, unknown> = {}) {
  const moved = await moveAudited(deps, row.id, from, patch, { actor: 'system:worker', action, details: { status: patch.status, ...details } });
  return moved ?? (await requestById(deps.db, row.id))!;
}

export const erasureJob: JobDefinition<RequestPayload> = {
  kind: 'erasure',
  concurrency: 2,

  handle: (ctx, payload) => withLease(ctx.deps.db, 'requests', payload.requestId, (lease) => erase(ctx, payload, lease)),

  async pending(deps) {
    const rows = await deps.db('requests').where({ type: 'erasure' }).whereIn('status', [...ACTIVE, 'on_hold']).select('id', 'status', 'identity_index');
    const holds = deps.policies.current().retention.legalHolds;
    // A held request comes back only once its hold is lifted (removed from the bundle) or expired.
    const ready = rows.filter((r) => r.status !== 'on_hold' || !activeSubjectHold(holds, r.identity_index));
    return ready.map((r) => ({ jobId: r.id, payload: { requestId: r.id } }));
  },

  failed: (deps, payload, error) => failRequest(deps, payload.requestId, error),
};

async function erase({ deps, progress }: JobContext, { requestId }: RequestPayload, lease: Lease) {
  let row = await requestById(deps.db, requestId);
  if (!row || ![...ACTIVE, 'on_hold'].includes(row.status)) return { skipped: row?.status ?? 'missing' };
  const bundle = deps.policies.current();

  // A legal hold on this subject pauses the request (GDPR Art. 17(3)(e)).
  const hold = activeSubjectHold(bundle.retention.legalHolds, row.identity_index);
  if (hold) {
    if (row.status !== 'on_hold') await moveTo(deps, row, [...ACTIVE], { status: 'on_hold', hold: `${hold.name} (${hold.caseReference})` }, 'request.hold', { hold: hold.name });
    return { held: hold.name };
  }
  if (row.status === 'on_hold') row = await moveTo(deps, row, ['on_hold'], { status: 'approved', hold: null }, 'request.hold_lifted');
  if (row.status === 'approved') row = await moveTo(deps, row, ['approved'], { status: 'running', started_at: new Date(), last_error: null }, 'request.running');

  const connections = connectionsFor(deps, bundle);
  try {
    const identity = await identityFor(deps, row, bundle, connections);
    if (!identity) throw new UnrecoverableError('The identity was destroyed before the erasure finished; re-open the request with the identity.');
    const plan = planFor(bundle, row);
    await recordSteps(deps.db, row.id, plan);
    const report = async (done: number, total: number, step: string) => {
      await setProgress(deps.db, requestId, done, total + 1, `Erased ${step} (${done} of ${total} tables)`);
      await progress(Math.round((100 * done) / (total + 1)), step);
    };
    const cp = checkpoints(deps.db, row.id, report);
    // Before every step: still ours? A worker that lost its lease stops rather than races.
    const guarded = { ...cp, isDone: (key: string) => (lease.assertHeld(), cp.isDone(key)) };
    const outcome = await runErasure(plan, { connections, identity, keys: keysFor(deps, row.id) }, guarded, { attempts: 3 });
    lease.assertHeld();

    row = await moveTo(deps, row, ['running'], { status: 'verifying', progress_label: 'Verifying: scanning every system for what remains' }, 'request.verifying', { rowsAffected: outcome.totals.rowsAffected });
    const verification = await verifyErasure({ datamap: bundle.datamap, connections, identity, decide: decideFor(bundle), regulation: row.regulation });
    await flagArtefacts(deps, row.id, outcome.artefacts);
    // Only a verified-clean erasure is certified, under the bundle it actually ran with.
    const certificate = verification.clean ? await issueCertificate(deps, row, plan, outcome, verification, bundle.hash) : null;
    await closeRequest(deps, row, verification, outcome, certificate?.sha256 ?? null);
    return { clean: verification.clean, rowsAffected: outcome.totals.rowsAffected };
  } catch (err) {
    // Configuration errors (a column the map names is missing…) never fix themselves: no retry.
    if (err instanceof ErasureConfigError) throw new UnrecoverableError(err.message);
    throw err;
  } finally {
    await connections.destroy();
  }
}

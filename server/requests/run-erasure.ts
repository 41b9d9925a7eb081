// Running an approved erasure request: the orchestration the erasure job (jobs/erasure.ts) hands
// to, end to end. Reads everything from Postgres and checkpoints each step there, so a rerun after
// a crash, a flushed Redis or a retry does nothing twice. The walk goes forward: status (./status)
// → re-approval check → plan (./engine) → erase (../erasure) → verify → certificate → close
// (./lifecycle), or the follow-up that erases rows a legal hold kept once it ends (./held-remainder).
import type { Deps } from '../deps';
import type { Identity } from '../erasure/types';
import { requestById, type RequestRow } from './queries';
import {
  checkpoints,
  connectionsFor,
  decideFor,
  heldSteps,
  identityFor,
  keepWidened,
  keysFor,
  planFor,
  recordSteps,
  secondPassStore,
  subjectValuesFor,
} from './erasure-bridge';
import { certificateHeld } from '../erasure/certificate-held';
import { eraseHeldRemainder, followUpsDue } from './held-remainder';
import { discoverIdentities, runErasure } from '../erasure/execute';
import { mergeIdentity } from '../erasure/discover';
import { addOutcomes, hasSpellings, secondPassCheckpoints } from '../erasure/second-pass';
import { SPELLED } from '../erasure/sql';
import { planWidening } from '../erasure/plan-compare';
import { verifyErasure } from '../erasure/verify';
import { ErasureConfigError } from '../erasure/errors';
import { issueCertificate } from './certificate';
import { flagArtefacts } from './artefact-flags';
import { onErasure } from '../training';
import { closeRequest, moveAudited, setProgress, type StatusPatch } from './lifecycle';
import { WORKER_STATUSES, type RequestStatus } from './status';

/**
 * Test seams only: `beforeVerify` runs between the last erasure step and verification (a test plants
 * a leftover here to prove verification catches it). Nothing in the application sets them.
 */
export const erasureHooks: {
  beforeVerify?: (requestId: string) => Promise<void>;
  /** Between keeping the widened identity and the second pass (a test stops the job there). */
  beforeSecondPass?: (requestId: string) => Promise<void>;
} = {};

/** A failure no retry can heal (the job gives up at once, and the request needs attention). */
export class ErasureCannotRun extends Error {
  override readonly name = 'ErasureCannotRun';
}

export interface ErasureRun {
  /** Ours still? Throws once another worker took the request over: stop before doing more. */
  lease: { assertHeld(): void };
  /** The job's progress, for the queue's view (the request row carries its own). */
  progress(percent: number, label?: string): Promise<void>;
}

/** Erasure requests Postgres says are due: the job's statuses, and part-held follow-ups whose hold ended. */
export async function erasuresDue(deps: Pick<Deps, 'db' | 'policies'>): Promise<string[]> {
  const rows: string[] = await deps
    .db('requests')
    .where({ type: 'erasure' })
    .whereIn('status', WORKER_STATUSES)
    .pluck('id');
  // A part-held request comes back once a hold keeping some of its rows is lifted or has expired.
  const followUps = await followUpsDue(deps);
  return [...rows, ...followUps];
}

async function moveTo(
  deps: Deps,
  row: RequestRow,
  from: RequestStatus[],
  patch: StatusPatch,
  action: string,
  details: Record<string, unknown> = {},
) {
  const moved = await moveAudited(deps, row.id, from, patch, {
    actor: 'system:worker',
    action,
    details: { status: patch.status, ...details },
  });
  return moved ?? (await requestById(deps.db, row.id))!;
}

export async function runRequestErasure(
  deps: Deps,
  requestId: string,
  { lease, progress }: ErasureRun,
): Promise<Record<string, unknown>> {
  let row = await requestById(deps.db, requestId);
  // The follow-up: rows a legal hold kept are erased by key once the hold has ended.
  if (row?.status === 'part_held') return eraseHeldRemainder(deps, row, lease);
  if (!row || !WORKER_STATUSES.includes(row.status)) return { skipped: row?.status ?? 'missing' };
  const bundle = deps.policies.current();

  // Legal holds no longer pause a request: held rows are kept (GDPR Art. 17(3)(e)) and the rest is
  // erased. A request paused by an earlier version resumes under that rule.
  if (row.status === 'on_hold')
    row = await moveTo(deps, row, ['on_hold'], { status: 'approved', hold: null }, 'request.hold_lifted');

  // Approved under one bundle, running under a newer one: the approval covers what its preview
  // showed, no more. A plan that would erase more stops for re-approval.
  if (row.bundle_hash && row.bundle_hash !== bundle.hash && row.status !== 'verifying') {
    const approvedUnder = await deps.policies.stored(row.bundle_hash);
    let wider = [`the approved bundle ${row.bundle_hash.slice(0, 12)} is not stored`];
    if (approvedUnder) {
      // Both plans with the keys read from the databases, as the run itself will plan.
      const probe = connectionsFor(deps, bundle);
      try {
        wider = planWidening(await planFor(approvedUnder, row, probe), await planFor(bundle, row, probe));
      } finally {
        await probe.destroy();
      }
    }
    if (wider.length) {
      const message = `Policy bundle ${bundle.hash.slice(0, 12)} would erase more than the approved preview (bundle ${row.bundle_hash.slice(0, 12)}): ${wider.slice(0, 5).join('; ')}${wider.length > 5 ? `; and ${wider.length - 5} more` : ''}. Re-approve to run under it.`;
      await moveTo(
        deps,
        row,
        ['approved', 'running'],
        { status: 'needs_attention', last_error: message },
        'request.reapproval_needed',
        { approvedBundle: row.bundle_hash, activeBundle: bundle.hash, widened: wider.length },
      );
      return { reapprovalNeeded: wider.length };
    }
  }
  if (row.status === 'approved')
    row = await moveTo(
      deps,
      row,
      ['approved'],
      { status: 'running', started_at: new Date(), last_error: null },
      'request.running',
    );

  const connections = connectionsFor(deps, bundle);
  try {
    const found = await identityFor(deps, row, bundle, connections);
    if (!found)
      throw new ErasureCannotRun(
        'The identity was destroyed before the erasure finished; re-open the request with the identity.',
      );
    let identity: Identity = found;
    const plan = await planFor(bundle, row, connections);
    // Before the first step: every identity value the subject's rows hold, for verification.
    let values = await subjectValuesFor(deps, row, bundle, connections, identity);
    await recordSteps(deps.db, row.id, plan);
    const report = async (done: number, total: number, step: string) => {
      await setProgress(deps.db, requestId, done, total + 1, `Erased ${step} (${done} of ${total} tables)`);
      await progress(Math.round((100 * done) / (total + 1)), step);
    };
    const cp = checkpoints(deps.db, row.id, report);
    // Before every step: still ours? A worker that lost its lease stops rather than races.
    const guarded = { ...cp, isDone: (key: string) => (lease.assertHeld(), cp.isDone(key)) };
    let outcome = await runErasure(
      plan,
      { connections, identity, keys: keysFor(deps, row.id), reference: row.id },
      guarded,
      {
        attempts: 3,
      },
    );
    lease.assertHeld();

    row = await moveTo(
      deps,
      row,
      ['running'],
      { status: 'verifying', progress_label: 'Verifying: scanning every system for what remains' },
      'request.verifying',
      { rowsAffected: outcome.totals.rowsAffected },
    );
    await erasureHooks.beforeVerify?.(row.id);
    const { regulation } = row;
    const verify = () =>
      verifyErasure({
        datamap: bundle.datamap,
        connections,
        identity,
        values,
        decide: decideFor(bundle),
        regulation,
        held: heldSteps(plan),
      });
    let verification = await verify();
    // The subject's values stored with blanks around them, which the exact matches missed (left in
    // place, or kept or held without their keys recorded); or a rerun of a job that had widened its
    // identity, whose second pass may have been cut short after its last write. Discovery again, from
    // every value known, finding those spellings (full scans, only here), and a second pass of every
    // step with them (../erasure/second-pass.ts).
    if (verification.padded > 0 || hasSpellings(identity)) {
      const wider = await discoverIdentities({
        datamap: bundle.datamap,
        connections,
        identity: mergeIdentity(identity, values),
        spellings: true,
      });
      if (hasSpellings(wider)) {
        lease.assertHeld();
        identity = wider;
        values = await keepWidened(deps, row, bundle, connections, identity, values);
        await erasureHooks.beforeSecondPass?.(row.id);
        await setProgress(deps.db, row.id, 0, 1, 'Second pass: erasing values stored with blanks around them');
        const second = await runErasure(
          plan,
          { connections, identity, keys: keysFor(deps, row.id), reference: row.id },
          secondPassCheckpoints(guarded, secondPassStore(deps.db, row.id)),
          { attempts: 3 },
        );
        lease.assertHeld();
        outcome = addOutcomes(plan, outcome, second);
        await deps.audit.append({
          actor: 'system:worker',
          action: 'request.erased_as_stored',
          target: `request:${row.id}`,
          details: {
            rowsAffected: second.totals.rowsAffected,
            kinds: Object.keys(identity).filter((k) => k.startsWith(SPELLED)),
          },
        });
        verification = await verify();
      }
    }
    await flagArtefacts(deps, row.id, outcome.artefacts);
    // Erased subjects never go back into training data; snapshots that already left them out are certified.
    const excludedFrom = await onErasure(
      deps,
      row.id,
      // Spellings are values the identity holds already, trimmed: nothing more to list.
      Object.fromEntries(Object.entries(identity).filter(([k]) => !k.startsWith(SPELLED))),
    );
    const held = certificateHeld(plan, outcome.results);
    // Only a verified-clean erasure is certified, under the bundle it actually ran with.
    const certificate = verification.clean
      ? await issueCertificate(deps, row, plan, outcome, verification, bundle.hash, held, excludedFrom)
      : null;
    await closeRequest(deps, row, verification, outcome, certificate?.sha256 ?? null, held);
    return { clean: verification.clean, rowsAffected: outcome.totals.rowsAffected };
  } catch (err) {
    // Configuration errors (a column the map names is missing…) never fix themselves: no retry.
    if (err instanceof ErasureConfigError) throw new ErasureCannotRun(err.message);
    throw err;
  } finally {
    await connections.destroy();
  }
}

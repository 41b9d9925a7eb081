// Postgres is the truth, the queue a messenger: every interval, each job kind lists the work
// its rows say is due, and anything without a live job is enqueued again under the same id.
import type { Deps } from '../server/deps';
import { JOBS } from './registry';
import type { JobKind } from './queues';
import { purgeExpiredRows } from '../server/housekeeping';

export async function reconcileOnce(deps: Deps): Promise<number> {
  let requeued = 0;
  await deps.policies.refresh(); // holds lifted or added by another process count at once
  for (const [kind, def] of Object.entries(JOBS) as [JobKind, NonNullable<(typeof JOBS)[JobKind]>][]) {
    if (!def.pending) continue;
    for (const { jobId, payload } of await def.pending(deps)) {
      const job = await deps.queues.getJob(kind, jobId);
      const state = job ? await job.getState() : 'missing';
      if (
        state === 'waiting' ||
        state === 'active' ||
        state === 'delayed' ||
        state === 'prioritized' ||
        state === 'waiting-children'
      )
        continue;
      if (job) await job.remove().catch(() => {});
      await deps.jobs.enqueue(kind, jobId, payload);
      requeued++;
      deps.logger.info({ event: 'reconciler.requeued', kind, jobId, previousState: state }, 'work re-enqueued');
    }
  }
  return requeued;
}

/** Rows that only expire (sessions, login throttles, expired access packages): each area purges its own. */
export const housekeep = (deps: Deps) => purgeExpiredRows(deps);

export function startReconciler(deps: Deps, everyMs: number) {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await reconcileOnce(deps);
      await housekeep(deps);
    } catch (err) {
      deps.logger.error({ event: 'reconciler.error', error: (err as Error).message }, 'reconciler failed');
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

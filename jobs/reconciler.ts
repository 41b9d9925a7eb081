// Postgres is the truth, the queue a messenger: every interval, each job kind lists the work
// its rows say is due, and anything without a live job is enqueued again under the same id.
import type { Deps } from '../server/deps';
import { JOBS } from './registry';
import type { JobKind } from './queues';
import { purgeExpiredSessions } from '../server/http/session-store';
import { WINDOW_MS } from '../server/auth/throttle';
import { EXPORT_RETENTION_DAYS } from '../server/requests/artifacts-http';

export async function reconcileOnce(deps: Deps): Promise<number> {
  let requeued = 0;
  for (const [kind, def] of Object.entries(JOBS) as [JobKind, NonNullable<(typeof JOBS)[JobKind]>][]) {
    if (!def.pending) continue;
    for (const { jobId, payload } of await def.pending(deps)) {
      const job = await deps.queues.getJob(kind, jobId);
      const state = job ? await job.getState() : 'missing';
      if (state === 'waiting' || state === 'active' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') continue;
      if (job) await job.remove().catch(() => {});
      await deps.queues.enqueue(kind, { ...payload, bundleHash: deps.policies.hash() }, { jobId });
      requeued++;
      deps.logger.info({ event: 'reconciler.requeued', kind, jobId, previousState: state }, 'work re-enqueued');
    }
  }
  return requeued;
}

/** Rows that only expire: sessions past their expiry, login throttles past their window. */
export async function housekeep(deps: Deps): Promise<{ sessions: number; throttles: number; exports: number }> {
  const sessions = await purgeExpiredSessions(deps.db);
  const throttles = await deps.db('login_throttle').where('window_started_at', '<', new Date(Date.now() - WINDOW_MS)).del();
  const exports = await deps.db('request_artifacts')
    .where({ kind: 'export' })
    .andWhere('created_at', '<', new Date(Date.now() - EXPORT_RETENTION_DAYS * 86_400_000))
    .del();
  return { sessions, throttles, exports };
}

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

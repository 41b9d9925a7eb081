// The scheduler: node-cron ticks from policies/schedules.yaml. Each tick claims a row
// (schedule, tick time) in Postgres; only the process whose insert wins enqueues, with the
// deterministic job id `<schedule>@<tick>`, so any number of schedulers enqueue once.
import cron, { type ScheduledTask } from 'node-cron';
import type { Deps } from '../server/deps';
import type { Schedule } from '../server/policies/types';

// BullMQ refuses ':' in custom job ids, so the tick time is written without separators.
export const tickMinute = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000);
export const tickJobId = (schedule: string, at: Date) =>
  `${schedule}@${tickMinute(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;

export async function fireTick(deps: Deps, schedule: Schedule, at: Date): Promise<boolean> {
  const tickAt = tickMinute(at);
  const jobId = tickJobId(schedule.name, tickAt);
  const claimed = await deps.db('schedule_ticks')
    .insert({ schedule: schedule.name, tick_at: tickAt, job_id: jobId, bundle_hash: deps.policies.hash() })
    .onConflict(['schedule', 'tick_at'])
    .ignore()
    .returning('job_id');
  if (claimed.length === 0) return false;
  await deps.queues.enqueue(
    'audit',
    { audit: schedule.audit, schedule: schedule.name, tickAt: tickAt.toISOString(), bundleHash: deps.policies.hash() },
    { jobId },
  );
  deps.logger.info({ event: 'schedule.tick', schedule: schedule.name, jobId }, 'scheduled audit enqueued');
  return true;
}

export interface RunningScheduler {
  close(): Promise<void>;
}

export function startScheduler(deps: Deps): RunningScheduler {
  let tasks: ScheduledTask[] = [];
  let scheduledHash = '';
  const plan = () => {
    if (scheduledHash === deps.policies.hash()) return;
    for (const t of tasks) void t.stop();
    scheduledHash = deps.policies.hash();
    tasks = deps.policies.current().schedules.map((s) =>
      cron.schedule(
        s.cron,
        (ctx) => fireTick(deps, s, ctx.date ?? new Date()).catch((err) => deps.logger.error({ event: 'schedule.error', schedule: s.name, error: (err as Error).message })),
        { name: s.name, timezone: 'UTC', noOverlap: true },
      ),
    );
    deps.logger.info({ event: 'scheduler.planned', schedules: tasks.length, bundleHash: scheduledHash }, 'schedules planned');
  };
  plan();
  // A reloaded bundle may change the schedules: re-plan when the active hash changes.
  const watcher = setInterval(plan, 5_000);
  watcher.unref();
  return {
    async close() {
      clearInterval(watcher);
      for (const t of tasks) await t.stop();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bootstrap } = await import('../server/bootstrap');
  const deps = await bootstrap({ role: 'scheduler' });
  const running = startScheduler(deps);
  const { onShutdown } = await import('../server/shutdown');
  onShutdown(deps, running.close);
}

// The scheduler: node-cron ticks from policies/schedules.yaml. Each tick claims a row
// (schedule, tick time) in Postgres; only the process whose insert wins enqueues, with the
// deterministic job id `<schedule>@<tick>`, so any number of schedulers enqueue once.
import cron, { type ScheduledTask } from 'node-cron';
import type { Deps } from '../server/deps';
import type { Schedule } from '../server/policies/types';

// BullMQ refuses ':' in custom job ids, so the tick time is written without separators.
export const tickMinute = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000);
/** A tick is the minute it fires in, or the second for a six-field (seconds first) cron. */
export const tickOf = (cronExpr: string, at: Date) =>
  cronExpr.trim().split(/\s+/).length >= 6 ? new Date(Math.floor(at.getTime() / 1000) * 1000) : tickMinute(at);
export const tickJobId = (schedule: string, at: Date, unit: 'minute' | 'second' = 'minute') =>
  `${schedule}@${(unit === 'minute' ? tickMinute(at) : new Date(Math.floor(at.getTime() / 1000) * 1000))
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}`;

export async function fireTick(deps: Deps, schedule: Schedule, at: Date): Promise<boolean> {
  const tickAt = tickOf(schedule.cron, at);
  const jobId = tickJobId(schedule.name, tickAt, tickAt.getTime() % 60_000 === 0 ? 'minute' : 'second');
  const claimed = await deps
    .db('schedule_ticks')
    .insert({ schedule: schedule.name, tick_at: tickAt, job_id: jobId, bundle_hash: deps.policies.hash() })
    .onConflict(['schedule', 'tick_at'])
    .ignore()
    .returning('job_id');
  if (claimed.length === 0) return false;
  await deps.jobs.enqueue('audit', jobId, {
    audit: schedule.audit,
    schedule: schedule.name,
    tickAt: tickAt.toISOString(),
  });
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
    tasks = deps.policies
      .current()
      .schedules.map((s) =>
        cron.schedule(
          s.cron,
          (ctx) =>
            fireTick(deps, s, ctx.date ?? new Date()).catch((err) =>
              deps.logger.error({ event: 'schedule.error', schedule: s.name, error: (err as Error).message }),
            ),
          { name: s.name, timezone: 'UTC', noOverlap: true },
        ),
      );
    deps.logger.info(
      { event: 'scheduler.planned', schedules: tasks.length, bundleHash: scheduledHash },
      'schedules planned',
    );
  };
  plan();
  // A bundle activated by any process may change the schedules: re-plan when this process adopts it.
  const stopListening = deps.policies.onChange(plan);
  return {
    async close() {
      stopListening();
      for (const t of tasks) await t.stop();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bootstrap } = await import('../server/bootstrap');
  const deps = await bootstrap({ role: 'scheduler' });
  const { onShutdown } = await import('../server/shutdown');
  const running = startScheduler(deps);
  onShutdown(deps, running.close);
}

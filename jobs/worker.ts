// The worker process: one BullMQ worker per registered job kind, plus the reconciler that
// re-enqueues work Postgres says is due (so flushing Redis or killing a worker loses nothing).
import { raiseAlertSafely } from '../server/notify/alerts';
import type { Worker } from 'bullmq';
import type { Deps } from '../server/deps';
import { JOBS } from './registry';
import type { JobKind } from './queues';
import type { Stamped } from './job';
import { startReconciler } from './reconciler';
import { runWithLogScope } from '../server/logger';

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

export function startWorkers(deps: Deps, opts: { reconcileEveryMs?: number } = {}): RunningWorkers {
  const workers: Worker[] = [];
  for (const [kind, def] of Object.entries(JOBS) as [JobKind, NonNullable<(typeof JOBS)[JobKind]>][]) {
    const worker = deps.queues.worker(
      kind,
      async (job) =>
        runWithLogScope(async () => {
          const started = Date.now();
          const payload = job.data as Stamped<object>;
          deps.logger.info(
            { event: 'job.start', kind, jobId: job.id, attempt: job.attemptsMade + 1 },
            `job ${kind} started`,
          );
          // Never on an older bundle than the job was stamped with: the process first adopts the
          // active one (that bundle or a newer), or the job waits (retries) for one that can.
          const bundle = await deps.policies.ensureAtLeast(payload.bundleHash ?? deps.policies.hash());
          const result = await def.handle(
            {
              deps,
              jobId: String(job.id),
              bundleHash: bundle.hash,
              attempt: job.attemptsMade + 1,
              progress: async (percent, label) => {
                await job.updateProgress({ percent, label: label ?? '' });
              },
            },
            payload,
          );
          deps.logger.info({ event: 'job.done', kind, jobId: job.id, ms: Date.now() - started }, `job ${kind} done`);
          return result ?? null;
        }),
      deps.config.jobConcurrency[kind] ?? def.concurrency,
    );
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
      deps.logger.warn(
        { event: 'job.failed', kind, jobId: job.id, attempt: job.attemptsMade, final, error: err.message },
        `job ${kind} failed`,
      );
      // Another worker holding the request is not a failure of the request: the reconciler retries.
      if (final && def.failed && err.name !== 'LeaseHeldError')
        def
          .failed(deps, job.data, err, String(job.id))
          .catch((e) => deps.logger.error({ event: 'job.failed.hook', err: e }));
      // Ids only: an error message may quote data. An alert that cannot be delivered is in the
      // delivery log already; it does not alert about itself.
      if (final && kind !== 'alert' && err.name !== 'LeaseHeldError')
        void raiseAlertSafely(deps, {
          event: 'job.failed',
          key: `${kind}:${job.id}:${job.finishedOn ?? job.timestamp}`,
          title: `Job ${kind} ${job.id} failed after ${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}`,
          links: [{ label: 'job console', href: '/jobs' }],
        });
    });
    worker.on('error', (err) => deps.logger.error({ event: 'worker.error', kind, error: err.message }, 'worker error'));
    workers.push(worker);
  }
  const reconciler = startReconciler(deps, opts.reconcileEveryMs ?? deps.config.reconcileIntervalMs);
  return {
    workers,
    async close() {
      reconciler.stop();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bootstrap } = await import('../server/bootstrap');
  const deps = await bootstrap({ role: 'worker' });
  const { onShutdown } = await import('../server/shutdown');
  const running = startWorkers(deps);
  onShutdown(deps, running.close);
  deps.logger.info({ event: 'worker.ready', backend: deps.queues.backend }, 'worker ready');
}

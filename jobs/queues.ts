// The one place that knows which queue backend runs: BullMQ on Redis when REDIS_URL is set
// (production), else BullMQ's PostgreSQL backend on Lethe's own database (zero-setup demo).
// Nothing else in the codebase knows or cares which.
import { Queue, Worker, createPostgresBackend, runMigrations, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { JOB_KINDS, type JobKind, type Queues } from '../server/job-queue';

export { JOB_KINDS, type JobKind, type Queues };

export type QueueBackendConfig =
  { kind: 'redis'; url: string; prefix: string } | { kind: 'postgres'; url: string; schema?: string };

// Retries with exponential backoff for transient failures; handlers throw UnrecoverableError
// for configuration errors so those fail at once.
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export async function createQueues(cfg: QueueBackendConfig): Promise<Queues> {
  const closers: (() => Promise<unknown>)[] = [];
  const queues = new Map<JobKind, Queue>();
  let redis: Redis | null = null;

  if (cfg.kind === 'postgres') {
    const client = new pg.Client({ connectionString: cfg.url });
    await client.connect();
    try {
      await runMigrations(client, cfg.schema ?? 'bullmq');
    } finally {
      await client.end();
    }
  } else {
    redis = new Redis(cfg.url, { maxRetriesPerRequest: null });
    closers.push(async () => redis?.quit());
  }

  const pgConnection = () => ({
    connectionString: cfg.url,
    schema: (cfg.kind === 'postgres' && cfg.schema) || 'bullmq',
    max: 4,
  });

  function queue(kind: JobKind): Queue {
    let q = queues.get(kind);
    if (!q) {
      q =
        cfg.kind === 'redis'
          ? new Queue(kind, { connection: redis!, prefix: cfg.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS })
          : (new Queue(
              kind,
              { connection: pgConnection(), defaultJobOptions: DEFAULT_JOB_OPTIONS },
              createPostgresBackend,
            ) as unknown as Queue);
      queues.set(kind, q);
      const created = q;
      closers.push(() => created.close());
    }
    return q;
  }

  return {
    backend: cfg.kind,
    async enqueue(kind, payload, opts) {
      await queue(kind).add(kind, payload, opts);
    },
    getJob: (kind, jobId) => queue(kind).getJob(jobId),
    worker(kind, processor, concurrency) {
      // A dead worker's job is noticed within ~20 s (lock lapses, stall check runs), not a minute.
      const timing = { lockDuration: 15_000, stalledInterval: 5_000 };
      const w =
        cfg.kind === 'redis'
          ? new Worker(kind, processor, {
              connection: new Redis(cfg.url, { maxRetriesPerRequest: null }),
              prefix: cfg.prefix,
              concurrency,
              ...timing,
            })
          : (new Worker(
              kind,
              processor,
              { connection: pgConnection(), concurrency, ...timing },
              createPostgresBackend,
            ) as unknown as Worker);
      closers.push(() => w.close());
      return w;
    },
    async counts() {
      const out = {} as Record<JobKind, Record<string, number>>;
      for (const kind of JOB_KINDS)
        out[kind] = await queue(kind).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
      return out;
    },
    list: (kind, states, limit) => queue(kind).getJobs(states, 0, limit - 1, false),
    async ping() {
      await queue('audit').getJobCounts('waiting');
    },
    async close() {
      for (const c of closers.reverse()) await c().catch(() => {});
    },
  };
}

// What the server knows about background work: the job kinds, the queue backend's interface
// (implemented in jobs/queues.ts) and `deps.jobs`, through which services enqueue. Services never
// import jobs/: the worker and the registry import the services, not the other way round.
import type { Job, JobsOptions, Worker } from 'bullmq';

export const JOB_KINDS = [
  'erasure',
  'access-export',
  'reid',
  'audit',
  'retention',
  'report',
  'board-packet',
  'anonymize',
  'alert',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface Queues {
  backend: 'redis' | 'postgres';
  enqueue(kind: JobKind, payload: object, opts: { jobId: string } & JobsOptions): Promise<void>;
  getJob(kind: JobKind, jobId: string): Promise<Job | undefined>;
  worker(kind: JobKind, processor: (job: Job) => Promise<unknown>, concurrency: number): Worker;
  counts(): Promise<Record<JobKind, Record<string, number>>>;
  /** Jobs of a kind in the given states, newest first (the job console). */
  list(kind: JobKind, states: ('active' | 'failed' | 'waiting' | 'delayed')[], limit: number): Promise<Job[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** `deps.jobs`: enqueue a job under a deterministic id, stamped with the active bundle's hash. */
export interface JobQueue {
  enqueue(kind: JobKind, jobId: string, payload: object): Promise<void>;
}

export function createJobQueue(queues: Queues, bundleHash: () => string): JobQueue {
  return {
    async enqueue(kind, jobId, payload) {
      await queues.enqueue(kind, { ...payload, bundleHash: bundleHash() }, { jobId });
    },
  };
}

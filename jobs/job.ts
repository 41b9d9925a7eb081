import type { Deps } from '../server/deps';
import type { JobKind } from './queues';

export interface JobContext {
  deps: Deps;
  jobId: string;
  /** Hash of the policy bundle the job was enqueued under (stamped on every job). */
  bundleHash: string;
  attempt: number;
  progress(percent: number, label?: string): Promise<void>;
}

export interface JobDefinition<P extends object = object> {
  kind: JobKind;
  concurrency: number;
  handle(ctx: JobContext, payload: P): Promise<unknown>;
  /** Work Postgres says is due with possibly no live job; the reconciler re-enqueues it. */
  pending?(deps: Deps): Promise<{ jobId: string; payload: P }[]>;
  /** Retries are exhausted (or the error was unrecoverable): record it in Postgres. */
  failed?(deps: Deps, payload: P, error: Error, jobId: string): Promise<void>;
}

/** Every job payload carries ids only, plus the bundle hash it was enqueued under. */
export type Stamped<P> = P & { bundleHash: string };

export async function enqueue<P extends object>(
  deps: Pick<Deps, 'jobs'>,
  kind: JobKind,
  jobId: string,
  payload: P,
): Promise<void> {
  await deps.jobs.enqueue(kind, jobId, payload);
}

// The job console: per queue the counts by state, running jobs with their progress, recent
// failures with their error message. Never job data (payloads may name a request; the console
// shows ids only). Retry and discard are audited.
import type { Deps } from '../deps';
import { JOB_KINDS, type JobKind } from '../job-queue';
import { ConflictError, NotFoundError } from '../errors';

export interface ConsoleJob {
  kind: JobKind;
  id: string;
  state: string;
  attempts: number;
  progress: { percent: number; label: string } | null;
  error: string | null;
  at: Date | null;
}

const firstLine = (s: string | undefined) => (s ? s.split('\n')[0].slice(0, 300) : null);

export async function consoleView(deps: Pick<Deps, 'queues'>, limit = 20) {
  const counts = await deps.queues.counts();
  const running: ConsoleJob[] = [];
  const failed: ConsoleJob[] = [];
  for (const kind of JOB_KINDS) {
    for (const j of await deps.queues.list(kind, ['active'], limit)) {
      const p = j.progress as { percent?: number; label?: string } | number;
      running.push({
        kind,
        id: String(j.id),
        state: 'active',
        attempts: j.attemptsMade,
        progress:
          typeof p === 'number' ? { percent: p, label: '' } : { percent: p?.percent ?? 0, label: p?.label ?? '' },
        error: null,
        at: j.processedOn ? new Date(j.processedOn) : null,
      });
    }
    for (const j of await deps.queues.list(kind, ['failed'], limit)) {
      failed.push({
        kind,
        id: String(j.id),
        state: 'failed',
        attempts: j.attemptsMade,
        progress: null,
        error: firstLine(j.failedReason),
        at: j.finishedOn ? new Date(j.finishedOn) : null,
      });
    }
  }
  failed.sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0));
  return { counts: JOB_KINDS.map((kind) => ({ kind, ...counts[kind] })), running, failed: failed.slice(0, limit) };
}

export const isJobKind = (s: string): s is JobKind => (JOB_KINDS as readonly string[]).includes(s);

async function failedJob(deps: Pick<Deps, 'queues'>, kind: string, id: string) {
  if (!isJobKind(kind)) throw new NotFoundError('No such queue.');
  const job = await deps.queues.getJob(kind, id);
  if (!job) throw new NotFoundError('No such job.');
  const state = await job.getState();
  if (state !== 'failed')
    throw new ConflictError(`Only a failed job can be retried or discarded; this one is ${state}.`);
  return { job, kind };
}

export async function retryJob(
  deps: Pick<Deps, 'queues' | 'audit'>,
  kind: string,
  id: string,
  actor: string,
): Promise<void> {
  const { job } = await failedJob(deps, kind, id);
  await job.retry('failed');
  await deps.audit.append({
    actor,
    action: 'job.retry',
    target: `job:${kind}:${id}`,
    details: { kind, jobId: id, attemptsMade: job.attemptsMade },
  });
}

export async function discardJob(
  deps: Pick<Deps, 'queues' | 'audit'>,
  kind: string,
  id: string,
  actor: string,
): Promise<void> {
  const { job } = await failedJob(deps, kind, id);
  await job.remove();
  await deps.audit.append({
    actor,
    action: 'job.discard',
    target: `job:${kind}:${id}`,
    details: { kind, jobId: id, error: firstLine(job.failedReason) },
  });
}

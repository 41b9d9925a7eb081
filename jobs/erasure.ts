// The erasure job (job id = request id): a thin adapter. The lease, the payload and the queue's
// retry semantics are the job's; the orchestration is server/requests/run-erasure.ts.
import { UnrecoverableError } from 'bullmq';
import type { JobDefinition } from './job';
import { withLease } from './lease';
import { erasuresDue, ErasureCannotRun, runRequestErasure } from '../server/requests/run-erasure';
import { failRequest } from '../server/requests/lifecycle';

// The test seam lives with the orchestration; tests reach it here as before.
export { erasureHooks } from '../server/requests/run-erasure';

export interface RequestPayload {
  requestId: string;
}

export const erasureJob: JobDefinition<RequestPayload> = {
  kind: 'erasure',
  concurrency: 2,

  handle: ({ deps, progress }, { requestId }) =>
    withLease(deps.db, 'requests', requestId, async (lease) => {
      try {
        return await runRequestErasure(deps, requestId, { lease, progress });
      } catch (err) {
        // A configuration error or a destroyed identity never heals by retrying.
        if (err instanceof ErasureCannotRun) throw new UnrecoverableError(err.message);
        throw err;
      }
    }),

  pending: async (deps) => (await erasuresDue(deps)).map((id) => ({ jobId: id, payload: { requestId: id } })),

  failed: (deps, payload, error) => failRequest(deps, payload.requestId, error),
};

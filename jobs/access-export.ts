// The access-export job (job id = request id): a thin adapter. The lease and the payload are the
// job's; building the package and closing the request is server/requests/run-access-export.ts.
import type { JobDefinition } from './job';
import { withLease } from './lease';
import type { RequestPayload } from './erasure';
import { accessExportsDue, runAccessExport } from '../server/requests/run-access-export';
import { failRequest } from '../server/requests/lifecycle';

export const accessExportJob: JobDefinition<RequestPayload> = {
  kind: 'access-export',
  concurrency: 2,

  handle: ({ deps, progress }, { requestId }) =>
    withLease(deps.db, 'requests', requestId, () => runAccessExport(deps, requestId, { progress })),

  pending: async (deps) => (await accessExportsDue(deps)).map((id) => ({ jobId: id, payload: { requestId: id } })),

  failed: (deps, payload, error) => failRequest(deps, payload.requestId, error),
};

// The report job (job id = report id): gather, render, sign, store. Everything is read from
// Postgres, so a rerun after a crash or a flushed Redis generates the report again from scratch;
// a finished report is never generated twice.
import type { JobDefinition } from './job';
import { withLease } from './lease';
import { failReport, generateReport } from '../server/reports/service';

export interface ReportPayload {
  reportId: string;
}

export const reportJob: JobDefinition<ReportPayload> = {
  kind: 'report',
  concurrency: 1,

  handle: ({ deps, progress }, { reportId }) =>
    withLease(deps.db, 'reports', reportId, async () => {
      const row = await generateReport(deps, reportId, progress);
      return { status: row.status, sha256: row.sha256 };
    }),

  async pending(deps) {
    const ids = await deps.db('reports').whereIn('status', ['queued', 'running']).pluck('id');
    return ids.map((id: string) => ({ jobId: id, payload: { reportId: id } }));
  },

  failed: (deps, payload, error) => failReport(deps, payload.reportId, error.message),
};

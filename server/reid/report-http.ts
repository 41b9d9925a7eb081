// The stored PDF report of a run, for the UI and the API: each download is audited with the
// report's SHA-256, so the copy someone holds can be matched to the run.
import type { Response } from 'express';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { reportOf, type RunRow } from './queries';

export async function sendReport(deps: Deps, res: Response, row: RunRow, actor: string): Promise<void> {
  const report = await reportOf(deps.db, row.id);
  if (!report) throw new NotFoundError('No report yet: it is written when the test completes.');
  await deps.audit.append({
    actor,
    action: 'reid.report.download',
    target: `reid_run:${row.id}`,
    details: { sha256: report.report_sha256 },
  });
  res
    .type('application/pdf')
    .attachment(`reid-${row.dataset}-${row.id.slice(0, 8)}.pdf`)
    .set('x-content-sha256', report.report_sha256)
    .send(report.report);
}

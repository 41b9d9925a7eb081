// The re-identification job (job id = run id). Everything is read from Postgres, so a rerun after
// a crash, a flushed Redis or a retry is safe: a finished run is skipped, a running one measured
// again from its stored input.
import { UnrecoverableError } from 'bullmq';
import type { JobContext, JobDefinition } from './job';
import { ErasureConfigError } from '../server/erasure/errors';
import { ReidInputError } from '../server/reid/errors';
import { renderReidReport } from '../server/reid/report-pdf';
import { measureRun } from '../server/reid/measure-run';
import { withLease } from './lease';
import { failRun, finishRun, progressWriter, startRun } from '../server/reid/lifecycle';
import { activeRunIds, runById } from '../server/reid/queries';

export interface ReidPayload {
  runId: string;
}

export const reidJob: JobDefinition<ReidPayload> = {
  kind: 'reid',
  concurrency: 2,

  handle: (ctx, payload) => withLease(ctx.deps.db, 'reid_runs', payload.runId, () => runTest(ctx, payload)),

  async pending(deps) {
    return (await activeRunIds(deps.db)).map((id) => ({ jobId: id, payload: { runId: id } }));
  },

  failed: (deps, payload, error) => failRun(deps, payload.runId, error.message),
};

async function runTest({ deps, progress }: JobContext, { runId }: ReidPayload) {
  const queued = await runById(deps.db, runId);
  if (!queued || queued.status === 'done' || queued.status === 'failed')
    return { skipped: queued?.status ?? 'missing' };
  const bundle = deps.policies.current();
  const row = await startRun(deps, queued, bundle.hash);
  if (row.status !== 'running') return { skipped: row.status };
  const writer = progressWriter(deps, runId, (percent, label) => progress(percent, label));
  try {
    const run = await measureRun(deps, bundle, row, (p) => writer.update(p));
    await writer.settled();
    const report = await renderReidReport(run);
    await finishRun(deps, row, run, report);
    await progress(100, 'Done');
    return { passed: run.outcome.passed, records: run.outcome.records };
  } catch (err) {
    await writer.settled();
    // The input cannot be measured as given (unknown column, bad CSV…): an outcome, not a fault.
    if (err instanceof ReidInputError) {
      await failRun(deps, runId, err.message, err.problem);
      return { failed: err.problem };
    }
    // A system missing from the map or without a connection string never fixes itself.
    if (err instanceof ErasureConfigError) throw new UnrecoverableError(err.message);
    throw err;
  }
}

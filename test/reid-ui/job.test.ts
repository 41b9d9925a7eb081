// The reid job without a worker: idempotent, progress throttled, failures recorded in one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, type TestApp } from '../support/app';
import { reidJob } from '../../jobs/reid';
import type { JobContext } from '../../jobs/job';
import { createReidService } from '../../server/reid/service';
import { userPrincipal } from '../../server/auth/principal';
import type { Principal } from '../../server/auth/principal';
import { progressWriter } from '../../server/reid/lifecycle';
import { FAILING_CSV } from './support';

let t: TestApp;
let principal: Principal;

beforeAll(async () => {
  t = await createTestApp();
  const user = await createUser(t, 'data_steward');
  principal = userPrincipal({ id: user.id, role: 'data_steward', display_name: 'Steward' });
});
afterAll(() => t?.close());

async function queuedRun(dataset: string, quasi = 'age, zip, sex') {
  const service = createReidService(t.deps);
  const resolved = service.resolve(
    { source: 'csv', dataset, quasi, sensitive: 'diagnosis' },
    { originalname: 'p.csv', buffer: Buffer.from(FAILING_CSV), size: FAILING_CSV.length },
  );
  if (!resolved.ok) throw new Error(JSON.stringify(resolved.errors));
  return service.create(resolved.data, principal);
}

function context(progress: [number, string?][] = []): JobContext {
  return {
    deps: t.deps,
    jobId: 'test',
    bundleHash: t.deps.policies.hash(),
    attempt: 1,
    progress: async (p, l) => void progress.push([p, l]),
  };
}

describe('jobs/reid', () => {
  it('pending() lists queued runs; a run completes once and a rerun skips it', async () => {
    const run = await queuedRun('job_idempotent');
    expect((await reidJob.pending!(t.deps)).map((p) => p.jobId)).toContain(run.id);
    const progress: [number, string?][] = [];
    expect(await reidJob.handle(context(progress), { runId: run.id })).toEqual({ passed: false, records: 8 });
    expect(progress.at(-1)).toEqual([100, 'Done']);
    const first = await t.deps.db('reid_runs').where({ id: run.id }).first('finished_at', 'report_sha256');
    expect(await reidJob.handle(context(), { runId: run.id })).toEqual({ skipped: 'done' });
    expect(await t.deps.db('reid_runs').where({ id: run.id }).first('finished_at', 'report_sha256')).toEqual(first);
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'reid.finish', target: `reid_run:${run.id}` })
        .count({ n: '*' }),
    ).toEqual([{ n: '1' }]);
    expect((await reidJob.pending!(t.deps)).map((p) => p.jobId)).not.toContain(run.id);
  });

  it('failed() marks the run failed with a one-line reason, deletes the upload and leaves the dataset untested', async () => {
    const run = await queuedRun('job_failed');
    await reidJob.failed!(
      t.deps,
      { runId: run.id },
      new Error('connection reset\n    at Socket.<anonymous> (net.js:1:1)'),
      'test-job',
    );
    const row = await t.deps.db('reid_runs').where({ id: run.id }).first('status', 'error');
    expect(row).toEqual({ status: 'failed', error: 'connection reset' });
    expect(await t.deps.db('reid_uploads').where({ run_id: run.id }).first()).toBeUndefined();
    expect((await t.deps.db('datasets').where({ name: 'job_failed' }).first()).release_status).toBe('untested');
    expect(await reidJob.handle(context(), { runId: run.id })).toEqual({ skipped: 'failed' });
  });

  it('an input the engine refuses is recorded with its problem code, not retried', async () => {
    const run = await queuedRun('job_bad_input', 'age, shoe_size');
    expect(await reidJob.handle(context(), { runId: run.id })).toEqual({ failed: 'unknown_column' });
    expect(await t.deps.db('reid_runs').where({ id: run.id }).first('status', 'error_code')).toEqual({
      status: 'failed',
      error_code: 'unknown_column',
    });
  });

  it('progress is written at most four times a second', async () => {
    const run = await queuedRun('job_progress');
    await t.deps.db('reid_runs').where({ id: run.id }).update({ status: 'running' });
    const toJob: number[] = [];
    const writer = progressWriter(t.deps, run.id, async (p) => void toJob.push(p));
    for (let i = 0; i < 200; i++) writer.update({ phase: 'reading', fraction: i / 200, records: i });
    await writer.settled();
    expect(toJob).toEqual([0]);
    await new Promise((r) => setTimeout(r, 300));
    writer.update({ phase: 'analysing', fraction: 0.9, records: 8 });
    await writer.settled();
    expect(toJob).toEqual([0, 90]);
    expect(await t.deps.db('reid_runs').where({ id: run.id }).first('progress_percent', 'progress_label')).toEqual({
      progress_percent: 90,
      progress_label: 'Computing the risk figures',
    });
  });
});

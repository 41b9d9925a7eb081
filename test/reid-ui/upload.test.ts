import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { until } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { FAILING_CSV, PASSING_CSV, postRun, runIdFrom } from './support';

let t: TestApp;
let workers: RunningWorkers;
let steward: SignedIn;

beforeAll(async () => {
  t = await createTestApp({ env: { LETHE_UPLOAD_LIMIT_MB: '0.02' } });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  steward = await signIn(t, 'data_steward');
}, 60_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
});

const finished = (id: string) =>
  until(
    async () => {
      const row = await t.deps.db('reid_runs').where({ id }).first('status');
      return row && ['done', 'failed'].includes(row.status) ? row.status : null;
    },
    30_000,
    `run ${id} to finish`,
  );

describe('re-identification: an uploaded CSV', () => {
  it('POST /reid › a CSV that fails k and leaks an email completes, names every violated threshold, and blocks the dataset', async () => {
    const res = await postRun(steward.agent, {
      csrf: await steward.csrf(),
      source: 'csv',
      dataset: 'patients_2026',
      delimiter: 'auto',
      quasi: 'age, zip, sex',
      sensitive: 'diagnosis',
      kind: '',
      file: { content: FAILING_CSV, name: 'patients.csv' },
    });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    const id = runIdFrom(res.headers.location);
    expect(await finished(id)).toBe('done');

    const page = await steward.agent.get(`/reid/runs/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-passed="false"');
    expect(page.text).toContain('FAILED');
    for (const threshold of ['k', 'maxProsecutorRisk', 'maxRecordsAtRisk', 'zeroLeakedIdentifiers'])
      expect(page.text).toContain(`data-threshold="${threshold}"`);
    expect(page.text).toContain('k-anonymity is 1, the policy requires at least 5');
    expect(page.text).toContain('column contact holds email addresses');
    expect(page.text).toContain('data-testid="riskiest-classes"');
    expect(page.text).not.toContain('anna.schmidt@example.com'); // leaks are shown masked only
    expect(page.text).toMatch(/<th scope="col">zip<\/th>/);

    const progress = await steward.agent.get(`/reid/runs/${id}/progress`);
    expect(progress.body).toEqual({
      status: 'done',
      percent: 100,
      label: expect.stringContaining('failed'),
      done: true,
    });

    const pdf = await steward.agent
      .get(`/reid/runs/${id}/report.pdf`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const bytes = pdf.body as Buffer;
    expect(bytes.subarray(0, 4).toString()).toBe('%PDF');
    const sha = crypto.createHash('sha256').update(bytes).digest('hex');
    expect(pdf.headers['x-content-sha256']).toBe(sha);

    const finish = await t.deps
      .db('audit_log')
      .where({ action: 'reid.finish', target: `reid_run:${id}` })
      .first();
    expect(finish.details).toMatchObject({
      passed: false,
      reportSha256: sha,
      releaseStatus: 'blocked',
      dataset: 'patients_2026',
    });
    const actions = await t.deps
      .db('audit_log')
      .where({ target: `reid_run:${id}` })
      .orderBy('seq')
      .pluck('action');
    expect(actions).toEqual(['reid.create', 'reid.start', 'reid.finish', 'reid.report.download']);

    expect(await t.deps.db('reid_uploads').where({ run_id: id }).first()).toBeUndefined();
    const run = await t.deps.db('reid_runs').where({ id }).first('bundle_hash', 'passed');
    expect(run).toEqual({ bundle_hash: t.deps.policies.hash(), passed: false });
    expect((await t.deps.db('datasets').where({ name: 'patients_2026' }).first()).release_status).toBe('blocked');

    const refused = await steward.agent
      .post('/datasets/patients_2026/release')
      .type('form')
      .send({ _csrf: await steward.csrf() });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Release refused: the latest re-identification test of patients_2026 failed');
    expect(refused.text).toContain('data-testid="error-summary"');
    expect((await t.deps.db('datasets').where({ name: 'patients_2026' }).first()).release_status).toBe('blocked');

    const dataset = await steward.agent.get('/datasets/patients_2026');
    expect(dataset.text).toContain('data-testid="reid-trend"');
    expect(dataset.text).toContain('data-testid="history-row"');
    const list = await steward.agent.get('/datasets');
    expect(list.text).toContain('patients_2026');
    expect(list.text).toMatch(/data-testid="release-status">blocked</);
    const dashboard = await steward.agent.get('/');
    expect(dashboard.text).toContain('data-testid="panel-reid"');
    expect(dashboard.text).toMatch(/href="\/datasets\/patients_2026">patients_2026: failed k-anonymity/);
  });

  it('POST /datasets/:name/release › a dataset whose latest test passed is released, by a data steward only', async () => {
    const res = await postRun(steward.agent, {
      csrf: await steward.csrf(),
      source: 'csv',
      delimiter: ';',
      quasi: 'age_band,zip3,sex',
      file: { content: PASSING_CSV, name: 'Survey 2026.csv' },
    });
    expect(res.status).toBe(303);
    const id = runIdFrom(res.headers.location);
    expect(await finished(id)).toBe('done');
    const run = await t.deps.db('reid_runs').where({ id }).first('dataset', 'passed', 'release_kind');
    expect(run).toEqual({ dataset: 'Survey_2026', passed: true, release_kind: 'default' });
    expect((await steward.agent.get(`/reid/runs/${id}`)).text).toContain('data-passed="true"');

    const officer = await signIn(t, 'compliance_officer');
    expect(
      (
        await officer.agent
          .post('/datasets/Survey_2026/release')
          .type('form')
          .send({ _csrf: await officer.csrf() })
      ).status,
    ).toBe(403);
    const released = await steward.agent
      .post('/datasets/Survey_2026/release')
      .type('form')
      .send({ _csrf: await steward.csrf() });
    expect(released.status).toBe(303);
    expect((await t.deps.db('datasets').where({ name: 'Survey_2026' }).first()).release_status).toBe('released');
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'dataset.release', target: 'dataset:Survey_2026' })
      .first();
    expect(entry.details.runId).toBe(id);
  });

  it('POST /reid › a form without a file re-renders with a 422, an error summary and the input kept', async () => {
    const before = await t.deps.db('reid_runs').count({ n: '*' });
    const res = await postRun(steward.agent, {
      csrf: await steward.csrf(),
      source: 'csv',
      dataset: 'kept_name',
      quasi: 'age, zip',
      sensitive: 'zip',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('data-testid="error-summary"');
    expect(res.text).toContain('href="#file">Choose the CSV file to upload');
    expect(res.text).toContain('href="#sensitive">&#34;zip&#34; cannot be both');
    expect(res.text).toContain('value="kept_name"');
    expect(res.text).toContain('value="age, zip"');
    expect(await t.deps.db('reid_runs').count({ n: '*' })).toEqual(before);
  });

  it('POST /reid › a file over the upload limit is refused at its field, the other input kept', async () => {
    const big = ['a,b', ...Array.from({ length: 4000 }, (_, i) => `${i},x`)].join('\n');
    const res = await postRun(steward.agent, {
      csrf: await steward.csrf(),
      source: 'csv',
      dataset: 'too_big',
      quasi: 'a',
      file: { content: big, name: 'big.csv' },
    });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/href="#file">The file is larger than the upload limit of 0.02 MB/);
    expect(res.text).toContain('value="too_big"');
  });

  it('POST /reid › a multipart form without the CSRF token gets 403 and stores nothing', async () => {
    const before = await t.deps.db('reid_runs').count({ n: '*' });
    const res = await steward.agent
      .post('/reid')
      .field('source', 'csv')
      .field('quasi', 'age')
      .attach('file', Buffer.from(FAILING_CSV), 'forged.csv');
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form has expired');
    const wrong = await steward.agent
      .post('/reid')
      .field('_csrf', 'x'.repeat(32))
      .field('source', 'csv')
      .field('quasi', 'age')
      .attach('file', Buffer.from(FAILING_CSV), 'forged.csv');
    expect(wrong.status).toBe(403);
    expect(await t.deps.db('reid_runs').count({ n: '*' })).toEqual(before);
  });

  it('an unknown column fails the run, and "run again" shows the engine error at the field with the input kept', async () => {
    const res = await postRun(steward.agent, {
      csrf: await steward.csrf(),
      source: 'csv',
      dataset: 'typo',
      quasi: 'age, zipcode',
      file: { content: FAILING_CSV, name: 'p.csv' },
    });
    const id = runIdFrom(res.headers.location);
    expect(await finished(id)).toBe('failed');
    const page = await steward.agent.get(`/reid/runs/${id}`);
    expect(page.text).toContain('data-testid="run-error"');
    expect(page.text).toContain('unknown column &#34;zipcode&#34;');
    expect(page.text).toContain(`href="/reid/new?from=${id}#quasi"`);
    const again = await steward.agent.get(`/reid/new?from=${id}`);
    expect(again.text).toContain(
      'href="#quasi">unknown column &#34;zipcode&#34;; the file has: age, zip, sex, diagnosis, contact',
    );
    expect(again.text).toContain('value="age, zipcode"');
    expect(await t.deps.db('reid_uploads').where({ run_id: id }).first()).toBeUndefined();
    expect((await t.deps.db('datasets').where({ name: 'typo' }).first()).release_status).toBe('untested');
  });

  it('GET /datasets › lists the datasets sortably, and unknown runs and datasets are 404', async () => {
    const byName = await steward.agent.get('/datasets?sort=name&dir=asc');
    const names = [...byName.text.matchAll(/<a href="\/datasets\/([^"]+)"><code>/g)].map((m) => m[1]);
    expect(names).toEqual([...names].sort());
    expect(byName.text).toContain('aria-sort="ascending"');
    expect((await steward.agent.get(`/reid/runs/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await steward.agent.get('/datasets/nope')).status).toBe(404);
  });
});

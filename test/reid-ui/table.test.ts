import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { apiToken, signIn, type SignedIn } from '../support/app';
import { createDemoApp, until, type DemoApp } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { postRun, runIdFrom } from './support';

let t: DemoApp;
let workers: RunningWorkers;
let steward: SignedIn;

beforeAll(async () => {
  t = await createDemoApp({ customers: 40 });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  steward = await signIn(t, 'data_steward');
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
});

describe('re-identification: a table of a registered data system', () => {
  it('GET /reid/new?table= › prefills the quasi-identifiers and sensitive attributes from the data map', async () => {
    const page = await steward.agent.get('/reid/new?table=crm.customers');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<option value="crm.customers" selected>/);
    expect(page.text).toContain('id="quasi" name="quasi" type="text" value="date_of_birth, postal_code"');
    expect(page.text).toMatch(/id="source-table" name="source" value="table" checked/);
  });

  it('POST /reid › a table run reads crm.customers through the data map and records the result', async () => {
    const res = await postRun(steward.agent, {
      csrf: await steward.csrf(),
      source: 'table',
      table: 'crm.customers',
      quasi: '',
      sensitive: '',
      kind: '',
    });
    expect(res.status, res.text.slice(0, 400)).toBe(303);
    const id = runIdFrom(res.headers.location);
    const row = await until(
      async () => {
        const r = await t.deps.db('reid_runs').where({ id }).first();
        return r && ['done', 'failed'].includes(r.status) ? r : null;
      },
      30_000,
      'the table run',
    );
    expect(row.error).toBeNull();
    expect(row).toMatchObject({
      status: 'done',
      dataset: 'crm.customers',
      source: 'postgres',
      release_kind: 'default',
    });
    expect(row.options).toMatchObject({ system: 'crm', table: 'customers', quasi: ['date_of_birth', 'postal_code'] });
    expect(row.result.records).toBe(40);
    expect(row.result.quasiIdentifiers).toEqual(['date_of_birth', 'postal_code']);
    // Birth date + postal code single people out: the classic failure.
    expect(row.passed).toBe(false);
    expect(row.result.violations.map((v: { threshold: string }) => v.threshold)).toContain('k');

    const page = await steward.agent.get(`/reid/runs/${id}`);
    expect(page.text).toContain('table <code>crm.customers</code>');
    expect(page.text).toContain('data-threshold="k"');
    const dataset = await steward.agent.get('/datasets/crm.customers');
    expect(dataset.status).toBe(200);
    expect(dataset.text).toContain('href="/reid/new?table=crm.customers"');
    expect((await t.deps.db('datasets').where({ name: 'crm.customers' }).first()).release_status).toBe('blocked');
  });

  it('POST /reid › a column the data map does not list is a field error on the form', async () => {
    const res = await postRun(steward.agent, {
      csrf: await steward.csrf(),
      source: 'table',
      table: 'crm.customers',
      quasi: 'postal_code, shoe_size',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('href="#quasi">Unknown column &#34;shoe_size&#34;: crm.customers has id, email');
    expect(res.text).toContain('value="postal_code, shoe_size"');
  });

  it('POST /api/v1/reid/runs › a pipeline queues a table test, follows it and reads the dataset status', async () => {
    const token = await apiToken(t, 'data_steward');
    const api = (method: 'get' | 'post', path: string) =>
      request(t.app)[method](`/api/v1${path}`).set('authorization', `Bearer ${token}`);
    const bad = await api('post', '/reid/runs').send({ table: 'crm.customers', quasi: ['nope'], kind: 'moon' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['kind', 'quasi']);
    const created = await api('post', '/reid/runs').send({
      table: 'billing.invoices',
      quasi: ['amount_cents'],
      kind: 'export',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const run = await until(
      async () => {
        const r = await api('get', `/reid/runs/${created.body.id}`);
        return r.body.progress.done ? r.body : null;
      },
      30_000,
      'the API run',
    );
    expect(run).toMatchObject({
      status: 'done',
      dataset: 'billing.invoices',
      releaseKind: 'export',
      progress: { percent: 100 },
    });
    expect(run.outcome.policy.kind).toBe('export');
    const pdf = await api('get', `/reid/runs/${run.id}/report.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['x-content-sha256']).toBe(run.reportSha256);
    const dataset = await api('get', '/datasets/billing.invoices');
    expect(dataset.body).toMatchObject({
      name: 'billing.invoices',
      lastRunId: run.id,
      releaseStatus: run.passed ? 'releasable' : 'blocked',
    });
    const board = await apiToken(t, 'ethics_board');
    expect(
      (
        await request(t.app)
          .post('/api/v1/reid/runs')
          .set('authorization', `Bearer ${board}`)
          .send({ table: 'crm.customers' })
      ).status,
    ).toBe(403);
  });
});

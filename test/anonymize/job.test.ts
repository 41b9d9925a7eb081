// Anonymization as a queued job over a table of a registered data system (issue 16): the form
// queues a run, the worker reads crm.customers through the data map's connection, generalizes,
// pseudonymizes what the data map declares, gates the output, and stores it encrypted; every move
// is audited, and a rerun of a finished job changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type SignedIn } from '../support/app';
import { createDemoApp, sql, until, type DemoApp } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { anonymizeJob } from '../../jobs/anonymize';
import { hmacPseudonym } from '../../server/anonymize/pseudonymize';
import { datasetPseudonymKey } from '../../server/anonymize/pseudonym-keys';

let t: DemoApp;
let workers: RunningWorkers;
let steward: SignedIn;

beforeAll(async () => {
  t = await createDemoApp({ customers: 120 });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  steward = await signIn(t, 'data_steward');
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
});

const post = async (who: SignedIn, fields: Record<string, string>) =>
  who.agent
    .post('/anonymize')
    .type('form')
    .send({ _csrf: await who.csrf(), ...fields });

describe('anonymization of a data map table as a job', () => {
  it('GET /anonymize?table= › suggests a hierarchy rule for each quasi-identifier of the data map', async () => {
    const page = await steward.agent.get('/anonymize?table=crm.customers');
    expect(page.status).toBe(200);
    expect(page.text).toContain('date_of_birth = date:month,year,decade\npostal_code = mask:1,2,3');
  });

  it('POST /anonymize › runs in the worker, meets the release policy, pseudonymizes declared columns and stores the output encrypted', async () => {
    const res = await post(steward, {
      table: 'crm.customers',
      rules: 'date_of_birth = date:month,year,decade\npostal_code = mask:1,2,3',
      sensitive: '',
      kind: '',
      maxSuppression: '4',
      metric: 'loss',
    });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    const id = /^\/anonymize\/runs\/([0-9a-f-]{36})$/.exec(res.headers.location)![1];
    const row = await until(
      async () => {
        const r = await t.deps.db('anonymization_runs').where({ id }).first();
        return r && ['done', 'failed'].includes(r.status) ? r : null;
      },
      60_000,
      'the anonymization',
    );
    expect(row.error).toBeNull();
    expect(row.status).toBe('done');
    expect(row.options.pseudonymize).toEqual({ id: 'hmac', email: 'hmac', full_name: 'mask', phone: 'hmac' });
    const result = row.result;
    expect(result.records).toBe(120);
    expect(result.before.passed).toBe(false);
    expect(result.after.k).toBeGreaterThanOrEqual(5);
    expect(result.suppressed).toBeLessThanOrEqual(Math.floor(120 * 0.04));
    expect(Object.keys(result.levels).sort()).toEqual(['date_of_birth', 'postal_code']);

    // The stored output is sealed under the master key and is what the gate tested.
    expect(row.output_enc.subarray(0, 3).toString()).toBe('LK2');
    const csv = t.deps.crypto.decryptBytes(row.output_enc).toString('utf8');
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('id,email,full_name,phone,date_of_birth,postal_code,created_at,closed_at');
    expect(lines.length - 1).toBe(120 - result.suppressed);
    const source = await sql<{ email: string; full_name: string }>(
      t.urls.crm,
      'SELECT email, full_name FROM customers ORDER BY id',
    );
    expect(csv).not.toContain(source[0].email);
    expect(csv).not.toContain(source[0].full_name);
    const key = await datasetPseudonymKey(t.deps.db, t.deps.crypto, 'crm.customers');
    const tokens = new Set(lines.slice(1).map((l) => l.split(',')[1]));
    expect(source.filter((s) => tokens.has(hmacPseudonym(key, s.email))).length).toBe(lines.length - 1);
    const ids = (await sql<{ id: string }>(t.urls.crm, 'SELECT id::text AS id FROM customers')).map((r) => r.id);
    expect(lines.slice(1).filter((l) => ids.includes(l.split(',')[0]))).toEqual([]);
    expect(result.released).toBe(result.after.passed);
    expect(row.released).toBe(result.after.passed);

    const actions = (await t.deps
      .db('audit_log')
      .where({ target: `anonymization_run:${id}` })
      .orderBy('seq')
      .pluck('action')) as string[];
    expect(actions).toEqual(['anonymization.create', 'anonymization.start', 'anonymization.finish']);

    // A rerun of the finished job (a retry, a re-enqueue after a Redis flush) is skipped.
    const again = await anonymizeJob.handle(
      { deps: t.deps, jobId: id, bundleHash: t.deps.policies.hash(), attempt: 2, progress: async () => {} },
      { runId: id },
    );
    expect(again).toEqual({ skipped: 'done' });

    const page = await steward.agent.get(`/anonymize/runs/${id}`);
    expect(page.text).toContain('data-testid="before-after"');
    const download = await steward.agent.get(`/anonymize/runs/${id}/output.csv`);
    expect(download.status).toBe(200);
    expect(download.text).toBe(csv);
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'anonymization.download', target: `anonymization_run:${id}` })
        .count('* as n')
        .first(),
    ).toEqual({ n: '1' });
  });

  it('POST /anonymize › re-renders with field errors for an unknown column, a bad rule and a pseudonymized column', async () => {
    const res = await post(steward, {
      table: 'crm.customers',
      rules: 'postal_code = mask:3,2\nshoe_size = interval:5',
      sensitive: 'email',
      kind: 'moon',
      maxSuppression: '200',
      metric: 'loss',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('href="#maxSuppression"');
    const res2 = await post(steward, {
      table: 'crm.customers',
      rules: 'postal_code = mask:0\nshoe_size = interval:5',
      sensitive: 'email',
      kind: 'moon',
      maxSuppression: '1',
      metric: 'loss',
    });
    expect(res2.status).toBe(422);
    expect(res2.text).toContain('href="#rules">postal_code: a mask rule needs positive whole numbers');
    expect(res2.text).toContain('href="#sensitive">&#34;email&#34; is pseudonymized by the data map');
    expect(res2.text).toContain('href="#kind">Choose a release kind from the policy');
    expect(res2.text).toContain('shoe_size = interval:5</textarea>');
    expect(await t.deps.db('anonymization_runs').count('* as n').first()).toEqual({ n: '1' });
  });

  it('the access policy: an auditor reads but cannot start or download; a compliance officer cannot download', async () => {
    const auditor = await signIn(t, 'auditor');
    expect((await auditor.agent.get('/anonymize')).status).toBe(200);
    expect((await post(auditor, { table: 'crm.customers', rules: 'postal_code = mask:1' })).status).toBe(403);
    const [run] = await t.deps.db('anonymization_runs').select('id');
    expect((await auditor.agent.get(`/anonymize/runs/${run.id}/output.csv`)).status).toBe(403);
    const officer = await signIn(t, 'compliance_officer');
    expect((await officer.agent.get(`/anonymize/runs/${run.id}/output.csv`)).status).toBe(403);
  });
});

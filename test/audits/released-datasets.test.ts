import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp, sql, type DemoApp } from '../requests/support';
import { runAudit } from '../../server/audits/runs';

let t: DemoApp;
beforeAll(async () => {
  t = await createDemoApp({ customers: 100 });
}, 90_000);
afterAll(async () => {
  await t?.close();
});

let n = 0;
const run = () =>
  runAudit(t.deps, {
    kind: 'released_datasets',
    schedule: 'manual',
    tickAt: null,
    jobId: `released-${++n}`,
    triggeredBy: 'system:test',
  });
const finding = (key: string) => t.deps.db('findings').where({ kind: 'released_datasets', key }).first();

/** A dataset released after a passing test (the rows the reid area writes on release). */
async function released(name: string, source: 'postgres' | 'csv', options: Record<string, unknown>) {
  const [r] = await t.deps
    .db('reid_runs')
    .insert({
      dataset: name,
      source,
      release_kind: 'default',
      options,
      status: 'done',
      passed: true,
      requested_by: 'user:steward',
      finished_at: new Date(),
    })
    .returning('id');
  await t.deps.db('datasets').insert({
    name,
    release_status: 'released',
    last_run_id: r.id,
    released_by: 'user:steward',
    released_at: new Date(),
  });
  return r.id as string;
}

describe('released_datasets', () => {
  it('a released dataset whose last test now fails is a high finding, deduplicated, remediated when it passes again, reopened when it fails again', async () => {
    const runId = await released('crm.addresses', 'postgres', {
      quasi: ['country'],
      sensitive: [],
      system: 'crm',
      table: 'addresses',
    });
    await released('upload_2026.csv', 'csv', { quasi: ['zip'], sensitive: [], filename: 'upload_2026.csv' });

    const baseline = await run();
    expect(baseline.run.summary).toMatchObject({
      released: 2,
      passed: ['crm.addresses'],
      untestable: ['upload_2026.csv'],
    });
    expect(await finding('fails:crm.addresses')).toBeUndefined();
    expect(await finding('untestable:upload_2026.csv')).toMatchObject({ severity: 'low', status: 'open' });

    // Plant: one address moves to a country nobody else lives in, a class of one.
    const [row] = await sql<{ id: string; country: string }>(
      t.urls.crm,
      'SELECT id, country FROM addresses ORDER BY id LIMIT 1',
    );
    await sql(t.urls.crm, `UPDATE addresses SET country = 'QQ' WHERE id = $1`, [row.id]);
    const first = await run();
    expect(first.run.status).toBe('failed');
    const f = await finding('fails:crm.addresses');
    expect(f).toMatchObject({ severity: 'high', status: 'open', occurrences: 1 });
    expect(f.detail).toContain('k-anonymity is 1');
    expect(f.evidence.map((e: { href: string }) => e.href)).toContain(`/reid/runs/${runId}`);
    expect(JSON.stringify(f)).not.toContain('QQ');
    // Nothing is recorded on the dataset: the release stands until a person decides.
    expect(await t.deps.db('datasets').where({ name: 'crm.addresses' }).first()).toMatchObject({
      release_status: 'released',
      last_run_id: runId,
    });
    expect(await t.deps.db('reid_runs').where({ dataset: 'crm.addresses' })).toHaveLength(1);

    await run();
    expect(await t.deps.db('findings').where({ kind: 'released_datasets', key: 'fails:crm.addresses' })).toHaveLength(
      1,
    );
    expect(await finding('fails:crm.addresses')).toMatchObject({ status: 'open', occurrences: 2 });

    // Remediate: the address is generalised back.
    await sql(t.urls.crm, 'UPDATE addresses SET country = $1 WHERE id = $2', [row.country, row.id]);
    expect((await run()).run.status).toBe('failed'); // the upload still cannot be re-tested
    expect(await finding('fails:crm.addresses')).toMatchObject({ status: 'remediated', occurrences: 2 });

    // Plant again.
    await sql(t.urls.crm, `UPDATE addresses SET country = 'QQ' WHERE id = $1`, [row.id]);
    await run();
    expect(await finding('fails:crm.addresses')).toMatchObject({ status: 'open', reopened: 1, occurrences: 3 });
  }, 90_000);
});

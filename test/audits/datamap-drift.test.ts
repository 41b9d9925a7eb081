import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp, sql, type DemoApp } from '../requests/support';
import { runAudit } from '../../server/audits/runs';
import { identifiersIn, labelledFor } from '../../server/audits/kinds/datamap-drift';

let t: DemoApp;
beforeAll(async () => {
  t = await createDemoApp({ customers: 30 });
}, 90_000);
afterAll(async () => {
  await t?.close();
});

let n = 0;
const run = () =>
  runAudit(t.deps, {
    kind: 'datamap_drift',
    schedule: 'manual',
    tickAt: null,
    jobId: `drift-${++n}`,
    triggeredBy: 'system:test',
  });
const finding = (key: string) => t.deps.db('findings').where({ kind: 'datamap_drift', key }).first();

const plant = async () => {
  await sql(t.urls.crm, 'ALTER TABLE customers ADD COLUMN loyalty_note text');
  await sql(t.urls.crm, `UPDATE customers SET loyalty_note = 'vip'`);
  // Mapped as system.operations, but now carries email addresses.
  await sql(t.urls.crm, `UPDATE orders SET status = status || ' (mail planted' || id || '@example.com)'`);
};
const remediate = async () => {
  await sql(t.urls.crm, 'ALTER TABLE customers DROP COLUMN loyalty_note');
  await sql(t.urls.crm, `UPDATE orders SET status = regexp_replace(status, ' \\(mail planted.*\\)$', '')`);
};

describe('datamap_drift', () => {
  it('labels cover identifiers on the same branch of the taxonomy and in free text only', () => {
    expect(labelledFor({ categories: ['user.contact.email'] }, 'email')).toBe(true);
    expect(labelledFor({ categories: ['user.contact'] }, 'email')).toBe(true);
    expect(labelledFor({ categories: ['user.content.private'] }, 'phone')).toBe(true);
    expect(labelledFor({ categories: ['system.operations'] }, 'email')).toBe(false);
    expect(labelledFor({ categories: ['user.contact.email'] }, 'ipv4')).toBe(false);
    expect(identifiersIn(['a@b.example', 'paid', 'x c@d.example y'])).toEqual(new Map([['email', 2]]));
  });

  it('an unmapped column and a mislabelled one are findings by column, deduplicated, remediated when fixed, reopened when planted again', async () => {
    const baseline = await run();
    expect(baseline.run.summary).toMatchObject({ sampleRows: 200 });
    const systems = (baseline.run.summary as { systems: { system: string; status: string }[] }).systems;
    expect(systems.find((s) => s.system === 'crm')).toMatchObject({ status: 'checked' });
    expect(await finding('crm.customers.loyalty_note')).toBeUndefined();
    expect(await finding('crm.orders.status')).toBeUndefined();

    await plant();
    await run();
    expect(await finding('crm.customers.loyalty_note')).toMatchObject({
      severity: 'medium',
      status: 'open',
      occurrences: 1,
    });
    const mislabelled = await finding('crm.orders.status');
    expect(mislabelled).toMatchObject({ severity: 'high', status: 'open', occurrences: 1 });
    expect(mislabelled.title).toContain('email');
    expect(mislabelled.title).toContain('system.operations');
    // Findings name columns and kinds of identifier, never a sampled value.
    expect(JSON.stringify(await t.deps.db('findings').where({ kind: 'datamap_drift' }))).not.toContain('@example.com');
    expect(JSON.stringify(await t.deps.db('audit_runs').where({ kind: 'datamap_drift' }))).not.toContain(
      '@example.com',
    );

    await run();
    expect(await t.deps.db('findings').where({ kind: 'datamap_drift', key: 'crm.orders.status' })).toHaveLength(1);
    expect(await finding('crm.orders.status')).toMatchObject({ occurrences: 2 });
    expect(await finding('crm.customers.loyalty_note')).toMatchObject({ occurrences: 2 });

    await remediate();
    // The CRM cannot be reached: what it held is not looked at, so its findings stay open.
    const blind = {
      ...t.deps,
      config: {
        ...t.deps.config,
        systemUrl: (env: string) =>
          env === 'CRM_DATABASE_URL' ? 'postgres://lethe:secret-pw@127.0.0.1:1/crm' : t.deps.config.systemUrl(env),
      },
    };
    const unreachable = await runAudit(blind, {
      kind: 'datamap_drift',
      schedule: 'manual',
      tickAt: null,
      jobId: `drift-${++n}`,
      triggeredBy: 'system:test',
    });
    expect(unreachable.run.status).toBe('failed');
    const crm = (unreachable.run.summary as { systems: { system: string; status: string }[] }).systems.find(
      (s) => s.system === 'crm',
    );
    expect(crm).toMatchObject({ status: 'unreachable' });
    expect(JSON.stringify(unreachable.run.summary)).not.toContain('secret-pw');
    expect(await finding('crm.orders.status')).toMatchObject({ status: 'open', occurrences: 2 });

    await run();
    expect(await finding('crm.orders.status')).toMatchObject({ status: 'remediated', occurrences: 2 });
    expect(await finding('crm.customers.loyalty_note')).toMatchObject({ status: 'remediated' });

    await plant();
    await run();
    expect(await finding('crm.orders.status')).toMatchObject({ status: 'open', reopened: 1, occurrences: 3 });
    expect(await finding('crm.customers.loyalty_note')).toMatchObject({ status: 'open', reopened: 1 });
  }, 90_000);
});

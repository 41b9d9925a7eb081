// Issue 20, end to end on MariaDB: a Fides file converted with `lethe datamap import-fides --engine
// mysql`, added to the bundle, then the public API (submit, verify, approve by a second officer). The
// erasure completes with a clean certificate, and the tables read directly afterwards hold nothing of
// the subject while every other row is as it was.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, apiAs, binaryBody } from '../support/app';
import { cliRunner } from '../support/cli';
import { createMysqlDatabase, type MysqlDatabase } from '../support/mysql';
import { copyBundle, edit, runCli } from '../policies/helpers';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createDemoApp, until, type DemoApp } from './support';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/fides');
const TABLES = ['address', 'customer', 'orders', 'order_line', 'newsletter'];
let t: DemoApp;
let shop: MysqlDatabase;
let workers: RunningWorkers;
let officers: [string, string];

const dump = async () =>
  Object.fromEntries(
    await Promise.all(
      TABLES.map(async (table) => [
        table,
        ((await shop.exec(`SELECT * FROM ${table} ORDER BY id`)) as Record<string, unknown>[]).map((r) =>
          JSON.stringify(r),
        ),
      ]),
    ),
  );

beforeAll(async () => {
  shop = await createMysqlDatabase();
  await shop.exec(
    fs
      .readFileSync(path.join(fixtures, 'shop.mysql.sql'), 'utf8')
      .split(/;\s*\n/)
      .map((s) => s.replace(/^--.*$/gm, '').trim())
      .filter(Boolean),
  );
  const dir = await copyBundle();
  const imported = await cliRunner(process.env)([
    'datamap',
    'import-fides',
    path.join(fixtures, 'shop.yml'),
    '--system',
    'shop',
    '--connection-env',
    'SHOP_DATABASE_URL',
    '--engine',
    'mysql',
  ]);
  expect(imported.code, imported.err).toBe(0);
  expect(imported.out).toContain('engine: mysql');
  fs.writeFileSync(path.join(dir, 'datamap/shop.yaml'), imported.out);
  await edit(
    dir,
    'retention.yaml',
    '\nlegal_holds:\n',
    [
      '',
      '  - { name: shop_customers, dataset: shop.customer, keep_for: P3Y, from: { column: created }, action: delete, reason: Customers go 3 years after sign-up. }',
      '',
      'legal_holds:',
      '',
    ].join('\n'),
  );
  const check = await runCli('policy', 'check', dir);
  expect(check.code, check.stdout).toBe(0);
  t = await createDemoApp({ policiesDir: dir, env: { SHOP_DATABASE_URL: shop.url } });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  officers = [await apiToken(t, 'compliance_officer'), await apiToken(t, 'compliance_officer')];
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
  await shop?.drop();
});

const api = (tok: string) => apiAs(t.app, tok);

describe('a MariaDB system imported from Fides, through the public API', () => {
  it('completes with a clean certificate; the subject is gone from every table and every other row is unchanged', async () => {
    const before = await dump();
    const [a, b] = officers;
    const created = await api(a).post('/requests', {
      type: 'erasure',
      regulation: 'gdpr',
      identity: { email: 'ada.okafor@example.com' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(
      (
        await api(a).post(`/requests/${id}/verify`, {
          method: 'email_link',
          evidence: 'Link clicked from the address on file',
        })
      ).status,
    ).toBe(200);
    const approved = await api(b).post(`/requests/${id}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const status = await until(
      async () => {
        const s = (await api(a).get(`/requests/${id}`)).body.status as string;
        return ['completed', 'needs_attention'].includes(s) ? s : null;
      },
      90_000,
      'erasure',
    );
    const row = await t.deps.db('requests').where({ id }).first();
    expect(status, JSON.stringify(row.outcome)).toBe('completed');

    const cert = await api(a).get(`/requests/${id}/certificate.pdf`).buffer(true).parse(binaryBody);
    expect(cert.status).toBe(200);
    const file = path.join(os.tmpdir(), `cert-i20-${id}.pdf`);
    fs.writeFileSync(file, cert.body as Buffer);
    const text = execFileSync('pdftotext', [file, '-']).toString().replace(/\s+/g, ' ');
    fs.rmSync(file, { force: true });
    expect(text).toContain('PASSED');
    expect(text).toContain('scanned shop.customer');

    const after = await dump();
    const gone = (table: string, test: (r: Record<string, unknown>) => boolean) =>
      before[table].filter((j: string) => !test(JSON.parse(j)));
    expect(after.customer).toEqual(gone('customer', (r) => r.id === 10));
    expect(after.address).toEqual(gone('address', (r) => r.id === 1));
    expect(after.orders).toEqual(gone('orders', (r) => r.customer_id === 10));
    expect(after.order_line).toEqual(gone('order_line', (r) => r.order_id === 100 || r.order_id === 101));
    expect(after.newsletter).toEqual(gone('newsletter', (r) => r.id === 1));
    expect(JSON.stringify(after)).not.toMatch(/ada|okafor|7946 0010|High Street/i);
  }, 120_000);
});

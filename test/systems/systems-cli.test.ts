// `lethe systems check [NAME]`: the Systems page's checks from a shell, as text or JSON, exit 1 when a
// check fails. The shipped data map against: a CRM missing tables and columns (with one the map does
// not know), a billing database that does not answer, analytics complete (on PostgreSQL, and on
// MariaDB through `engine: auto`), the other systems unset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createMysqlDatabase, type MysqlDatabase } from '../support/mysql';
import { cliRunner } from '../support/cli';

const DEAD_URL = 'postgres://lethe:s3cret-pw@127.0.0.1:1/nowhere';

let crm: TestDatabase;
let analytics: TestDatabase;
let mariadb: MysqlDatabase;
let t: TestApp;
let run: ReturnType<typeof cliRunner>;

beforeAll(async () => {
  crm = await createTestDatabase({ empty: true });
  await crm.db.raw(`CREATE TABLE customers (id bigint PRIMARY KEY, email text, full_name text, loyalty_tier text)`);
  analytics = await createTestDatabase({ empty: true });
  await analytics.db.raw(
    `CREATE TABLE events (id bigint PRIMARY KEY, user_id text, event text, ip_address inet, occurred_at timestamptz)`,
  );
  mariadb = await createMysqlDatabase();
  await mariadb.exec(
    `CREATE TABLE events (id BIGINT PRIMARY KEY, user_id VARCHAR(32), event VARCHAR(32), ip_address VARCHAR(45), occurred_at DATETIME(6))`,
  );
  t = await createTestApp({
    env: { CRM_DATABASE_URL: crm.url, BILLING_DATABASE_URL: DEAD_URL, ANALYTICS_DATABASE_URL: analytics.url },
  });
  run = cliRunner(t.env);
}, 120_000);
afterAll(async () => {
  await t?.close();
  await crm?.drop();
  await analytics?.drop();
  await mariadb?.drop();
});

describe('lethe systems check', () => {
  it('passes (exit 0) for one complete system, saying what it runs on', async () => {
    const r = await run(['systems', 'check', 'analytics']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('ok   analytics (PostgreSQL, by its connection string): ok');
    expect(r.out).toContain('1 system(s) checked: all passed');
    expect(r.out).not.toContain('crm');
  });

  it('fails (exit 1) naming missing tables and columns, unmapped columns, the unreachable and the unset systems', async () => {
    const r = await run(['systems', 'check']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL crm (PostgreSQL): drift');
    expect(r.out).toMatch(/missing tables: addresses, orders/);
    expect(r.out).toMatch(/missing columns: [^\n]*customers\.phone/);
    expect(r.out).toContain('unmapped columns: customers.loyalty_tier');
    expect(r.out).toMatch(/FAIL billing \(PostgreSQL\): unreachable\n\s+unreachable: [^\n]*ECONNREFUSED/);
    expect(r.out).toMatch(/FAIL support \(PostgreSQL\): not configured\n\s+set SUPPORT_DATABASE_URL/);
    expect(r.out).toContain('ok   analytics (PostgreSQL, by its connection string): ok');
    expect(r.out).not.toContain('s3cret-pw');
    expect(r.out).toMatch(/FAIL finetuning \(files\): unreachable\n\s+unreachable: the root directory cannot be read/);
    expect(r.out).toContain('5 of 6 system(s) failed: assistant, billing, crm, finetuning, support');
  });

  it('--json gives the same checks as data, with ok false', async () => {
    const r = await run(['systems', 'check', '--json']);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out);
    expect(body.ok).toBe(false);
    const crmCheck = body.systems.find((s: { name: string }) => s.name === 'crm');
    expect(crmCheck).toMatchObject({ status: 'drift', passed: false, runsOn: 'postgres', check: { reachable: true } });
    expect(crmCheck.check.missingColumns).toContainEqual({ table: 'customers', column: 'phone' });
    expect(crmCheck.check.unmappedColumns).toEqual([{ table: 'customers', column: 'loyalty_tier' }]);
    expect(crmCheck.check.keys).toContainEqual({ table: 'customers', source: 'declared', columns: ['id'] });
    expect(body.systems.find((s: { name: string }) => s.name === 'analytics')).toMatchObject({
      engine: 'auto',
      runsOn: 'postgres',
      status: 'ok',
      passed: true,
    });
    expect(r.out).not.toContain('s3cret-pw');
  });

  it('checks an `engine: auto` system on MariaDB when its connection string is mysql://', async () => {
    const r = await cliRunner({ ...t.env, ANALYTICS_DATABASE_URL: mariadb.url })(['systems', 'check', 'analytics']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('ok   analytics (MySQL/MariaDB, by its connection string): ok');
  });

  it('refuses (exit 2) a system the data map does not have', async () => {
    const r = await run(['systems', 'check', 'nosuch']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no system nosuch in the data map \(it has: [^)]*\bcrm\b/);
  });
});

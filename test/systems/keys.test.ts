// Issue 8: the Systems page says, per table, whether its primary key is declared in the data map,
// read from the database (the map declares none), or missing (rows addressed by ctid).
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { copyBundle, edit } from '../policies/helpers';

let crm: TestDatabase;
let t: TestApp;
let officer: SignedIn;

beforeAll(async () => {
  crm = await createTestDatabase({ empty: true });
  await crm.db.raw(
    `CREATE TABLE customers (id bigint PRIMARY KEY, email text, full_name text, phone text, postal_code text, date_of_birth date, created_at timestamptz, closed_at timestamptz)`,
  );
  await crm.db.raw(
    `CREATE TABLE addresses (id bigint PRIMARY KEY, customer_id bigint, street text, city text, postal_code text, country text)`,
  );
  await crm.db.raw(
    `CREATE TABLE orders (id bigint, customer_id bigint, placed_at timestamptz, total_cents integer, status text)`,
  );
  const dir = await copyBundle();
  await edit(
    dir,
    'datamap/crm.yaml',
    '    description: Billing and shipping addresses of a customer.\n    primary_key: [id]\n',
    '    description: Billing and shipping addresses of a customer.\n',
  );
  const orders = /(  - name: orders\n(?:    .*\n)*?)    primary_key: \[id\]\n/;
  const file = `${dir}/datamap/crm.yaml`;
  const text = await readFile(file, 'utf8');
  expect(orders.test(text)).toBe(true);
  await writeFile(file, text.replace(orders, '$1'));
  t = await createTestApp({ policiesDir: dir, env: { CRM_DATABASE_URL: crm.url } });
  officer = await signIn(t, 'compliance_officer');
});
afterAll(async () => {
  await t?.close();
  await crm?.drop();
});

describe('Systems page: primary keys', () => {
  it('shows declared, read from the database and missing keys per table', async () => {
    const res = await officer.agent.get('/systems');
    expect(res.status).toBe(200);
    const cell = (table: string) =>
      new RegExp(`data-testid="key-${table}">([\\s\\S]*?)</td>`).exec(res.text)?.[1] ?? '';
    expect(cell('customers')).toContain('declared in the map');
    expect(cell('addresses')).toMatch(/<code>id<\/code> <span class="muted">read from the database<\/span>/);
    expect(cell('orders')).toContain('missing (rows addressed by ctid)');
  });
});

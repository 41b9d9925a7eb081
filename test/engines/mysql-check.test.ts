// The Systems check and key introspection on MariaDB: reachable, mapped tables and columns that are
// missing, unmapped columns and tables, keys declared or read from information_schema; and a
// connection string for the wrong engine named as such.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDatabase, type MysqlDatabase } from '../support/mysql';
import { checkSystem } from '../../server/datamap/check';
import { createConnections, openSystem } from '../../server/systems/connections';
import { scenarioSystem } from './scenario';
import type { DataSystem, PolicyBundle } from '../../server/policies/types';
import { requirePushDown } from '../../server/reid/measure-run';

let db: MysqlDatabase;
beforeAll(async () => {
  db = await createMysqlDatabase();
  await db.exec([
    'CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(200) NOT NULL, phone varchar(40), name varchar(200) NOT NULL, shoe_size int)',
    'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers(id), placed_at datetime NOT NULL)',
    'CREATE TABLE order_lines (order_id bigint NOT NULL, line_no int NOT NULL, product varchar(100) NOT NULL, PRIMARY KEY (order_id, line_no))',
    'CREATE TABLE audit (happened_at datetime)',
  ]);
});
afterAll(async () => db?.drop());

const system = (): DataSystem => {
  const s = scenarioSystem('mysql', 'SHOP_URL');
  const keep = new Set(['customers', 'orders', 'order_lines', 'notes']);
  return {
    ...s,
    datasets: s.datasets
      .filter((d) => keep.has(d.name))
      .map((d) =>
        d.name === 'order_lines'
          ? { ...d, primaryKey: [], primaryKeyFrom: 'database' as const }
          : d.name === 'orders'
            ? { ...d, columns: d.columns.filter((c) => c.name !== 'total' && c.name !== 'billing_name') }
            : d,
      ),
  };
};

describe('a MariaDB system on the Systems check', () => {
  it('reports missing and unmapped tables and columns, and where each key comes from', async () => {
    const handle = openSystem(system(), db.url, { timeoutMs: 3000 });
    try {
      const check = await checkSystem(system(), handle.db, { timeoutMs: 3000, introspect: handle.engine.introspect });
      expect(check).toMatchObject({
        reachable: true,
        ok: false,
        missingTables: ['notes'],
        missingColumns: [],
        unmappedColumns: [{ table: 'customers', column: 'shoe_size' }],
        unmappedTables: ['audit'],
      });
      expect(check.keys).toEqual(
        expect.arrayContaining([
          { table: 'customers', source: 'declared', columns: ['id'] },
          { table: 'order_lines', source: 'database', columns: ['order_id', 'line_no'] },
        ]),
      );
    } finally {
      await handle.close();
    }
  });

  it('reads column types, nullability and foreign keys from information_schema', async () => {
    const c = createConnections({ systems: [system()] }, () => db.url);
    try {
      const schema = await c.schema('shop');
      const customers = schema.get('customers')!;
      expect(customers.primaryKey).toEqual(['id']);
      expect(customers.columns.get('email')).toMatchObject({
        udt: 'varchar',
        isText: true,
        nullable: false,
        maxLength: 200,
        caseInsensitive: true,
      });
      expect(customers.columns.get('shoe_size')).toMatchObject({ udt: 'int4', isText: false, nullable: true });
      expect(schema.get('orders')!.columns.get('customer_id')!.references).toBe('customers.id');
      expect(schema.get('orders')!.columns.get('placed_at')!.udt).toBe('timestamp');
    } finally {
      await c.destroy();
    }
  });

  it('refuses a connection string of another engine, naming the variable', () => {
    const c = createConnections({ systems: [system()] }, () => 'postgres://postgres@127.0.0.1:5432/x');
    expect(() => c.get('shop')).toThrow(/SHOP_URL does not hold a mysql connection string/);
  });

  it('refuses a re-identification test on a MariaDB table with a clear error (the GROUP BY push-down is PostgreSQL only)', () => {
    const bundle = { datamap: { systems: [system()] } } as unknown as PolicyBundle;
    expect(() => requirePushDown(bundle, 'shop')).toThrow(
      /shop runs on mysql: re-identification tests read tables on PostgreSQL systems only/,
    );
  });
});

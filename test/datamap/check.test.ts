import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import knexFactory from 'knex';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { fillDemoSystem } from '../../server/demo/systems';
import { checkSystem } from '../../server/datamap/check';
import { demoDatamap } from '../fixtures/demo-datamap';
import type { DataSystem } from '../../server/policies/types';

describe('checkSystem', () => {
  let db: TestDatabase;
  const crm = demoDatamap.systems.find((s) => s.name === 'crm')!;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await fillDemoSystem(db.url, 'crm', { customers: 5, seed: 1 });
  });
  afterAll(() => db?.drop());

  it('passes a data map that matches the database', async () => {
    expect(await checkSystem(crm, db.db)).toEqual({
      system: 'crm',
      reachable: true,
      ok: true,
      missingTables: [],
      missingColumns: [],
      unmappedColumns: [],
      unmappedTables: [],
      keys: crm.datasets.map((d) => ({ table: d.name, source: 'declared', columns: d.primaryKey })),
    });
  });

  it('says per table whether the key is declared, read from the database (pg_index, composite in key order) or missing', async () => {
    await db.db.raw('CREATE TABLE IF NOT EXISTS seat (room text, num int, holder text, PRIMARY KEY (num, room))');
    await db.db.raw('CREATE TABLE IF NOT EXISTS visit_log (holder text, at timestamptz)');
    const undeclared: DataSystem = {
      ...crm,
      datasets: [
        { ...crm.datasets.find((d) => d.name === 'orders')!, primaryKey: [], primaryKeyFrom: 'database' },
        {
          ...crm.datasets[0],
          name: 'seat',
          primaryKey: [],
          primaryKeyFrom: 'database',
          columns: [
            { name: 'room', categories: ['system.operations'] },
            { name: 'num', categories: ['system.operations'] },
            { name: 'holder', categories: ['user.name'] },
          ],
          references: [],
        },
        {
          ...crm.datasets[0],
          name: 'visit_log',
          primaryKey: [],
          primaryKeyFrom: 'database',
          columns: [
            { name: 'holder', categories: ['user.name'] },
            { name: 'at', categories: ['system.operations'] },
          ],
          references: [],
        },
        crm.datasets.find((d) => d.name === 'customers')!,
      ],
    };
    const result = await checkSystem(undeclared, db.db);
    expect(result.keys).toEqual([
      { table: 'orders', source: 'database', columns: ['id'] },
      { table: 'seat', source: 'database', columns: ['num', 'room'] },
      { table: 'visit_log', source: 'missing', columns: [] },
      { table: 'customers', source: 'declared', columns: ['id'] },
    ]);
    await db.db.raw('DROP TABLE seat, visit_log');
  });

  it('lists missing tables and columns, and columns and tables the map does not mention', async () => {
    const drifted: DataSystem = {
      ...crm,
      datasets: [
        ...crm.datasets
          .filter((d) => d.name !== 'logins')
          .map((d) =>
            d.name === 'customers'
              ? {
                  ...d,
                  columns: [
                    ...d.columns.filter((c) => c.name !== 'phone'),
                    { name: 'nickname', categories: ['user.name'] },
                  ],
                }
              : d,
          ),
        { ...crm.datasets[0], name: 'loyalty_cards' },
      ],
    };
    const result = await checkSystem(drifted, db.db);
    expect(result).toMatchObject({
      reachable: true,
      ok: false,
      missingTables: ['loyalty_cards'],
      missingColumns: [{ table: 'customers', column: 'nickname' }],
      unmappedColumns: [{ table: 'customers', column: 'phone' }],
      unmappedTables: ['logins'],
    });
  });

  it('reports an unreachable system without showing its connection string', async () => {
    const quiet = { warn() {}, error() {}, debug() {}, deprecate() {} };
    const dead = knexFactory({
      client: 'pg',
      connection: 'postgres://lethe:secret@127.0.0.1:1/nowhere',
      pool: { min: 0, max: 1 },
      acquireConnectionTimeout: 2000,
      log: quiet,
    });
    try {
      const result = await checkSystem(crm, dead, { timeoutMs: 3000 });
      expect(result).toMatchObject({ reachable: false, ok: false });
      expect(result.error).toBeTruthy();
      expect(result.error).not.toContain('secret');
    } finally {
      await dead.destroy();
    }
  });
});

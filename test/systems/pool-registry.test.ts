// Pools kept across jobs (server/systems/pool-registry.ts): the next job of a process gets the
// connections the last one warmed up, never a pool another job holds, and nothing stays open
// once a pool has gone unused or the process shuts down. Real PostgreSQL backends throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createConnections, processPools, closeAllConnections } from '../../server/systems/connections';
import { createPoolRegistry } from '../../server/systems/pool-registry';
import type { DataMap } from '../../server/policies/types';

const map: DataMap = {
  systems: [
    {
      name: 'crm',
      description: 'a database for the test',
      connectionEnv: 'CRM_URL',
      engine: 'postgres',
      datasets: [],
      models: [],
      source: { file: 'datamap.yaml', line: 1, column: 1 },
    } as unknown as DataMap['systems'][number],
  ],
};

const backend = async (db: Knex) => Number((await db.raw('SELECT pg_backend_pid() AS pid')).rows[0].pid);

describe('pools kept across jobs', () => {
  let t: TestDatabase;
  const alive = async (pid: number) =>
    Number((await t.db.raw('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ?', [pid])).rows[0].n) === 1;
  beforeAll(async () => {
    t = await createTestDatabase({ empty: true });
  }, 60_000);
  afterAll(async () => {
    await closeAllConnections();
    await t?.drop();
  });

  it('the next Connections of the same map runs on the backend the last one used, which stays open between them', async () => {
    const pools = createPoolRegistry();
    const first = createConnections(map, () => t.url, { pools });
    const pid = await backend(first.get('crm'));
    await first.destroy();
    expect(pools.idle()).toBe(1);
    expect(await alive(pid)).toBe(true);

    const second = createConnections(map, () => t.url, { pools });
    expect(await backend(second.get('crm'))).toBe(pid);
    expect(pools.idle()).toBe(0);
    await second.destroy();
    await pools.close();
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false);
  });

  it('never lends one pool to two jobs at once, nor across different options', async () => {
    const pools = createPoolRegistry();
    const a = createConnections(map, () => t.url, { pools });
    const b = createConnections(map, () => t.url, { pools });
    const aPool = a.get('crm');
    expect(aPool).not.toBe(b.get('crm'));
    await a.destroy();
    const strict = createConnections(map, () => t.url, { pools, statementTimeoutMs: 1234 });
    // Another statement timeout is another pool, whatever is free.
    expect(strict.get('crm')).not.toBe(aPool);
    expect((await strict.get('crm').raw('SHOW statement_timeout')).rows[0].statement_timeout).toBe('1234ms');
    await Promise.all([b.destroy(), strict.destroy()]);
    expect(pools.idle()).toBe(3);
    await pools.close();
    expect(pools.idle()).toBe(0);
  });

  it('a pool nobody borrowed for its idle time is closed at the next borrow', async () => {
    let now = 0;
    const pools = createPoolRegistry({ idleMs: 1000, now: () => now });
    const job = createConnections(map, () => t.url, { pools });
    const pid = await backend(job.get('crm'));
    await job.destroy();
    now = 1500;
    const otherUrl = new URL(t.url);
    otherUrl.searchParams.set('application_name', 'other');
    const other = createConnections(map, () => otherUrl.toString(), { pools });
    await backend(other.get('crm'));
    expect(pools.idle()).toBe(0); // the idle pool was dropped, the other one is lent
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false);
    await other.destroy();
    await pools.close();
  });

  it('once destroyed, a Connections neither opens nor borrows a pool (a branch still running when its caller gave up)', async () => {
    const pools = createPoolRegistry();
    const job = createConnections(map, () => t.url, { pools });
    await job.destroy();
    expect(() => job.get('crm')).toThrow(/these connections are closed/);
    await expect(job.schema('crm')).rejects.toThrow(/these connections are closed/);
    expect(pools.idle()).toBe(0);
    await pools.close();
  });

  it('a Connections without pools closes its own at destroy(), and shutdown closes the process pools', async () => {
    const own = createConnections(map, () => t.url);
    const pid = await backend(own.get('crm'));
    await own.destroy();
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false);

    const shared = createConnections(map, () => t.url, { pools: processPools });
    const sharedPid = await backend(shared.get('crm'));
    await shared.destroy();
    expect(await alive(sharedPid)).toBe(true);
    await closeAllConnections();
    await expect.poll(() => alive(sharedPid), { timeout: 10_000 }).toBe(false);
    expect(processPools.idle()).toBe(0);
  });
});

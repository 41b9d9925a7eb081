import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRequest } from '../../server/erasure/plan';
import { discoverIdentities, runErasure } from '../../server/erasure/execute';
import { createConnections } from '../../server/systems/connections';
import { ErasureConfigError } from '../../server/erasure/errors';
import type { DataMap } from '../../server/policies/types';
import { fixtureDecide } from '../fixtures/decide';
import { demoPolicy } from '../fixtures/demo-policy';
import { query, setupDemo, subject, type DemoEnv } from './helpers';
import { memoryCheckpoints } from './checkpoints';

const decide = fixtureDecide(demoPolicy);
const keys = { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) };

/** The demo map with one dataset changed. */
function mapWith(
  env: DemoEnv,
  key: string,
  change: (d: DataMap['systems'][number]['datasets'][number]) => DataMap['systems'][number]['datasets'][number],
): DataMap {
  return {
    systems: env.datamap.systems.map((s) => ({
      ...s,
      datasets: s.datasets.map((d) => (`${s.name}.${d.name}` === key ? change(d) : d)),
    })),
  };
}

describe('erasure failures', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await setupDemo(10, 3);
  }, 120_000);
  afterAll(() => env?.drop());

  it('stops at once, without retrying, when the data map names a column the database lacks', async () => {
    const s = await subject(env, 2);
    const datamap = mapWith(env, 'crm.customers', (d) => ({
      ...d,
      columns: [...d.columns, { name: 'nickname', categories: ['user.name'] }],
    }));
    const connections = createConnections(datamap, (sys) => env.urls[sys.name as keyof typeof env.urls]);
    try {
      const plan = planRequest({ datamap, decide, regulation: 'gdpr' });
      const started = Date.now();
      const run = runErasure(
        plan,
        { connections, identity: { email: [s.email], customer_id: [s.id] }, keys },
        memoryCheckpoints(),
        { attempts: 3, backoffMs: 5000 },
      );
      const err = await run.catch((e) => e);
      expect(err).toBeInstanceOf(ErasureConfigError);
      expect([err.step, err.message]).toEqual([
        'crm.customers',
        'crm.customers.nickname: the data map names a column the database does not have',
      ]);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await connections.destroy();
    }
  });

  it('explains a foreign key the data map does not declare and leaves the blocked rows in place', async () => {
    const [{ id }] = await query<{ id: number }>(
      env.urls.crm,
      'SELECT min(customer_id)::int AS id FROM orders WHERE customer_id NOT IN (2, 4)',
    );
    const s = await subject(env, id);
    const orders = await query(env.urls.crm, 'SELECT id FROM orders WHERE customer_id = $1', [s.id]);
    expect(orders.length).toBeGreaterThan(0);
    const datamap = mapWith(env, 'crm.order_items', (d) => ({ ...d, references: [] }));
    const connections = createConnections(datamap, (sys) => env.urls[sys.name as keyof typeof env.urls]);
    try {
      const plan = planRequest({ datamap, decide, regulation: 'gdpr' });
      const err = await runErasure(
        plan,
        { connections, identity: { email: [s.email], customer_id: [s.id] }, keys },
        memoryCheckpoints(),
      ).catch((e) => e);
      expect(err).toBeInstanceOf(ErasureConfigError);
      expect(err.step).toBe('crm.orders');
      expect(err.message).toMatch(
        /^crm\.orders: rows of another table still reference these rows: declare that reference in the data map.* — update or delete on table "orders" violates foreign key constraint "order_items_order_id_fkey" on table "order_items" \[23503\]$/,
      );
      expect(await query(env.urls.crm, 'SELECT id FROM orders WHERE customer_id = $1', [s.id])).toHaveLength(
        orders.length,
      );
    } finally {
      await connections.destroy();
    }
  });

  it('names the missing environment variable of a system', async () => {
    const connections = createConnections(env.datamap, () => undefined);
    const plan = planRequest({ datamap: env.datamap, decide, regulation: 'gdpr' });
    await expect(
      runErasure(plan, { connections, identity: { email: ['x@example.com'] }, keys }, memoryCheckpoints()),
    ).rejects.toThrow('system crm: environment variable CRM_DATABASE_URL is not set');
  });

  it('retries a step that hits a lock and succeeds once the lock is released', async () => {
    const s = await subject(env, 4);
    const identity = await discoverIdentities({
      datamap: env.datamap,
      connections: env.connections,
      identity: { email: [s.email] },
    });
    const plan = planRequest({ datamap: env.datamap, decide, regulation: 'gdpr' });
    const blocker = new pg.Client({ connectionString: env.urls.crm });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT * FROM customers WHERE id = $1 FOR UPDATE', [s.id]);
    const release = setTimeout(() => void blocker.query('COMMIT'), 400);
    try {
      const outcome = await runErasure(
        plan,
        { connections: env.connections, identity, keys, lockTimeoutMs: 150 },
        memoryCheckpoints(),
        { attempts: 5, backoffMs: 150 },
      );
      expect(outcome.results['crm.customers'].rowsDeleted).toBe(1);
      expect(await query(env.urls.crm, 'SELECT id FROM customers WHERE id = $1', [s.id])).toEqual([]);
    } finally {
      clearTimeout(release);
      await blocker.end();
    }
  });
});

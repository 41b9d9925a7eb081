// Shared by the erasure integration tests: the demo systems in throw-away databases, full-table
// dumps for byte-for-byte comparisons, and a hand-written (independent of the engine) list of the
// rows an erasure of one demo customer is allowed to touch.
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createDemoSystems, DEMO_SYSTEMS, type DemoSystem } from '../../server/demo/systems';
import { createConnections, type Connections } from '../../server/systems/connections';
import type { DataMap } from '../../server/policies/types';
import { demoDatamap } from '../fixtures/demo-datamap';

export interface DemoEnv {
  urls: Record<DemoSystem, string>;
  connections: Connections;
  datamap: DataMap;
  drop(): Promise<void>;
}

export async function setupDemo(customers: number, seed: number): Promise<DemoEnv> {
  const dbs: TestDatabase[] = [];
  const urls = await createDemoSystems(
    async () => {
      const t = await createTestDatabase({ empty: true });
      dbs.push(t);
      return t.url;
    },
    { customers, seed },
  );
  const datamap = demoDatamap;
  const connections = createConnections(datamap, (s) => urls[s.name as DemoSystem]);
  return {
    urls,
    connections,
    datamap,
    drop: async () => {
      await connections.destroy();
      for (const d of dbs) await d.drop();
    },
  };
}

export async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** "system.table" → primary key → the row as Postgres renders it to JSON (every byte of every column). */
export type Dump = Map<string, Map<string, string>>;

export async function dumpAll(env: DemoEnv): Promise<Dump> {
  const out: Dump = new Map();
  for (const system of env.datamap.systems) {
    for (const d of system.datasets) {
      const rows = await query<{ k: string; j: string }>(
        env.urls[system.name as DemoSystem],
        `SELECT id::text AS k, row_to_json(t)::text AS j FROM ${d.name} t ORDER BY id`,
      );
      out.set(`${system.name}.${d.name}`, new Map(rows.map((r) => [r.k, r.j])));
    }
  }
  return out;
}

export interface Subject {
  id: string;
  email: string;
  phone: string | null;
}

export async function subject(env: DemoEnv, id: number): Promise<Subject> {
  const [row] = await query<{ id: string; email: string; phone: string | null }>(
    env.urls.crm,
    'SELECT id::text, email, phone FROM customers WHERE id = $1',
    [id],
  );
  return row;
}

/**
 * Rows an erasure of `s` may change or delete, found with plain SQL written from knowledge of the
 * demo schema (not from the engine's plan): the subject's own rows, the rows hanging off them, and
 * other people's rows that name them.
 */
export async function touchable(env: DemoEnv, s: Subject): Promise<Set<string>> {
  const like = `%${s.email}%`;
  const sets: [string, DemoSystem, string, unknown[]][] = [
    ['crm.customers', 'crm', 'SELECT id FROM customers WHERE id = $1', [s.id]],
    ['crm.addresses', 'crm', 'SELECT id FROM addresses WHERE customer_id = $1', [s.id]],
    ['crm.orders', 'crm', 'SELECT id FROM orders WHERE customer_id = $1', [s.id]],
    [
      'crm.order_items',
      'crm',
      'SELECT id FROM order_items WHERE order_id IN (SELECT id FROM orders WHERE customer_id = $1)',
      [s.id],
    ],
    ['crm.payment_cards', 'crm', 'SELECT id FROM payment_cards WHERE customer_id = $1', [s.id]],
    ['crm.logins', 'crm', 'SELECT id FROM logins WHERE customer_id = $1', [s.id]],
    [
      'billing.invoices',
      'billing',
      'SELECT id FROM invoices WHERE customer_id = $1 OR lower(billing_email) = $2',
      [s.id, s.email],
    ],
    [
      'support.tickets',
      'support',
      'SELECT id FROM tickets WHERE customer_id = $1 OR lower(requester_email) = $2 OR lower(cc_email) = $2 OR body ILIKE $3',
      [s.id, s.email, like],
    ],
    [
      'support.ticket_messages',
      'support',
      `SELECT id FROM ticket_messages WHERE lower(author_email) = $2 OR body ILIKE $3
          OR ticket_id IN (SELECT id FROM tickets WHERE customer_id = $1 OR lower(requester_email) = $2)`,
      [s.id, s.email, like],
    ],
    ['analytics.events', 'analytics', 'SELECT id FROM events WHERE user_id = $1', [s.id]],
    [
      'assistant.prompt_logs',
      'assistant',
      'SELECT id FROM prompt_logs WHERE lower(user_email) = $1 OR prompt ILIKE $2 OR completion ILIKE $2',
      [s.email, like],
    ],
    [
      'assistant.embeddings',
      'assistant',
      'SELECT id FROM embeddings WHERE customer_id = $1 OR source_text ILIKE $2',
      [s.id, like],
    ],
    [
      'assistant.training_snapshot_2026_10',
      'assistant',
      'SELECT id FROM training_snapshot_2026_10 WHERE customer_id = $1 OR text ILIKE $2',
      [s.id, like],
    ],
  ];
  const out = new Set<string>();
  for (const [key, system, sql, params] of sets) {
    for (const r of await query<{ id: string }>(env.urls[system], sql, params)) out.add(`${key}:${r.id}`);
  }
  return out;
}

/** Every row (as JSON text) of every demo table that still names the subject in any column. */
export async function rowsNaming(env: DemoEnv, s: Subject): Promise<{ table: string; row: Record<string, unknown> }[]> {
  const found: { table: string; row: Record<string, unknown> }[] = [];
  const idColumns: Record<string, string[]> = {
    'crm.customers': ['id'],
    'billing.invoices': ['customer_id'],
    'support.tickets': ['customer_id'],
    'analytics.events': ['user_id'],
    'assistant.embeddings': ['customer_id'],
    'assistant.training_snapshot_2026_10': ['customer_id'],
  };
  for (const system of env.datamap.systems) {
    for (const d of system.datasets) {
      const key = `${system.name}.${d.name}`;
      const cols = [
        ...(idColumns[key] ?? []),
        ...(d.columns.some((c) => c.name === 'customer_id') && !idColumns[key] ? ['customer_id'] : []),
      ];
      const conds = [
        'row_to_json(t)::text ILIKE $1',
        `($2 <> '' AND row_to_json(t)::text LIKE '%' || $2 || '%')`,
        ...cols.map((c) => `${c}::text = $3`),
        'FALSE AND $3::text IS NULL',
      ];
      const rows = await query<{ j: Record<string, unknown> }>(
        env.urls[system.name as DemoSystem],
        `SELECT row_to_json(t) AS j FROM ${d.name} t WHERE ${conds.join(' OR ')}`,
        [`%${s.email}%`, s.phone ?? '', s.id],
      );
      for (const r of rows) found.push({ table: key, row: r.j });
    }
  }
  return found;
}

export const SYSTEMS = DEMO_SYSTEMS;

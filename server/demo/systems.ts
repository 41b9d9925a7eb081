// The demo company's data systems as real Postgres databases: one per system, with real foreign keys
// and fictional rows generated in SQL from a fixed seed (generate_series, so 100,000 customers and
// several million rows take seconds, not minutes). Used by the demo seed, the tests and the bench.
// The schema and generator live in systems.sql; the data map describing them is policies/datamap/.
import fs from 'node:fs';
import pg from 'pg';
import { fromRoot } from '../app-root';

export const DEMO_SYSTEMS = ['crm', 'billing', 'support', 'analytics', 'assistant'] as const;
export type DemoSystem = (typeof DEMO_SYSTEMS)[number];

/** The env var each system's connection string is read from (as the data map names it). */
export const DEMO_CONNECTION_ENV: Record<DemoSystem, string> = {
  crm: 'CRM_DATABASE_URL',
  billing: 'BILLING_DATABASE_URL',
  support: 'SUPPORT_DATABASE_URL',
  analytics: 'ANALYTICS_DATABASE_URL',
  assistant: 'ASSISTANT_DATABASE_URL',
};

/** Generated dates count back from here, so a seed gives the same rows whatever day it runs. */
export const DEMO_ANCHOR = '2026-11-01T00:00:00Z';

export interface DemoOptions {
  customers: number;
  seed: number;
  anchor?: string;
  /** Trigram indexes on free text, so mention scans stay fast on big data (needs pg_trgm). */
  textIndexes?: boolean;
  /** Database name prefix when given an admin URL (default lethe_demo). */
  prefix?: string;
}

/** Creates an empty database for a system and returns its connection string. */
export type CreateDatabase = (system: DemoSystem) => Promise<string>;

const TEXT_INDEXES: Record<DemoSystem, string[]> = {
  crm: [],
  billing: [],
  support: ['tickets (subject)', 'tickets (body)', 'ticket_messages (body)'],
  analytics: [],
  assistant: [
    'prompt_logs (prompt)',
    'prompt_logs (completion)',
    'embeddings (source_text)',
    'training_snapshot_2026_10 (text)',
  ],
};

export async function createDemoSystems(
  target: string | CreateDatabase,
  opts: DemoOptions,
): Promise<Record<DemoSystem, string>> {
  const create = typeof target === 'string' ? adminCreator(target, opts.prefix ?? 'lethe_demo') : target;
  const urls = {} as Record<DemoSystem, string>;
  for (const system of DEMO_SYSTEMS) urls[system] = await create(system);
  await Promise.all(DEMO_SYSTEMS.map((system) => fillDemoSystem(urls[system], system, opts)));
  return urls;
}

export async function fillDemoSystem(url: string, system: DemoSystem, opts: DemoOptions): Promise<void> {
  const customers = Math.floor(opts.customers);
  if (!(customers >= 1 && customers <= 10_000_000)) throw new Error('customers must be between 1 and 10,000,000');
  if (!Number.isInteger(opts.seed)) throw new Error('seed must be an integer');
  const anchor = new Date(opts.anchor ?? DEMO_ANCHOR);
  if (Number.isNaN(anchor.getTime())) throw new Error('anchor must be an ISO date');
  const fill = (sql: string) =>
    sql
      .replaceAll('{{customers}}', String(customers))
      .replaceAll('{{seed}}', String(opts.seed))
      .replaceAll('{{anchor}}', anchor.toISOString());
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(fill(sections().prelude));
    await client.query(fill(sections()[system]));
    await client.query(sections().cleanup);
    if (opts.textIndexes && TEXT_INDEXES[system].length) await addTextIndexes(client, system);
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

async function addTextIndexes(client: pg.Client, system: DemoSystem): Promise<void> {
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  } catch {
    return; // without pg_trgm mention scans are sequential: slower, still correct
  }
  for (const target of TEXT_INDEXES[system]) {
    const [table, column] = target.split(' ');
    await client.query(`CREATE INDEX ON ${table} USING gin ${column.replace(')', ' gin_trgm_ops)')}`);
  }
}

let cached: Record<string, string> | null = null;
function sections(): Record<string, string> {
  if (cached) return cached;
  const text = fs.readFileSync(fromRoot('server', 'demo', 'systems.sql'), 'utf8');
  const out: Record<string, string> = {};
  for (const part of text.split(/^-- section: /m).slice(1)) {
    const nl = part.indexOf('\n');
    out[part.slice(0, nl).trim()] = part.slice(nl + 1);
  }
  return (cached = out);
}

function adminCreator(adminUrl: string, prefix: string): CreateDatabase {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error('prefix must be a lower-case SQL identifier');
  return async (system) => {
    const name = `${prefix}_${system}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    const url = new URL(adminUrl);
    url.pathname = '/' + name;
    return url.toString();
  };
}

/** Env vars pointing each system at its database, for config.systemUrl and the data map. */
export function demoEnv(urls: Record<DemoSystem, string>): Record<string, string> {
  return Object.fromEntries(DEMO_SYSTEMS.map((s) => [DEMO_CONNECTION_ENV[s], urls[s]]));
}

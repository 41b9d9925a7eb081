// Data for the erasure benchmark: the demo company's five systems generated once at bench size into
// template databases (reused by later runs when the marker matches), then cloned per run with
// CREATE DATABASE … TEMPLATE, which copies files instead of replaying millions of inserts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { createDemoSystems, DEMO_SYSTEMS, type DemoSystem } from '../server/demo/systems';

export type Urls = Record<DemoSystem, string>;

export async function admin<T = Record<string, unknown>>(
  adminUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export function urlOf(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = '/' + name;
  return u.toString();
}

/** Creates (or reuses) the bench templates; returns their database names. */
export async function ensureTemplates(
  adminUrl: string,
  customers: number,
  seed: number,
  prefix = 'lethe_bench_tpl',
): Promise<{ names: Record<DemoSystem, string>; generatedMs: number | null }> {
  // The marker names the generator's content too, so a changed schema is never benchmarked on stale data.
  const generator = crypto
    .createHash('sha256')
    .update(fs.readFileSync(new URL('../server/demo/systems.sql', import.meta.url)))
    .digest('hex')
    .slice(0, 12);
  const marker = `lethe erasure bench v1: customers=${customers} seed=${seed} generator=${generator}`;
  const names = Object.fromEntries(DEMO_SYSTEMS.map((s) => [s, `${prefix}_${s}`])) as Record<DemoSystem, string>;
  const found = await admin<{ datname: string; comment: string | null }>(
    adminUrl,
    `SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = ANY($1)`,
    [Object.values(names)],
  );
  if (found.length === DEMO_SYSTEMS.length && found.every((f) => f.comment === marker))
    return { names, generatedMs: null };
  const t = performance.now();
  await createDemoSystems(adminUrl, { customers, seed, prefix, textIndexes: true });
  for (const name of Object.values(names)) await admin(adminUrl, `COMMENT ON DATABASE ${name} IS '${marker}'`);
  return { names, generatedMs: performance.now() - t };
}

export async function cloneTemplates(
  adminUrl: string,
  templates: Record<DemoSystem, string>,
  prefix: string,
): Promise<Urls> {
  const urls = {} as Urls;
  for (const s of DEMO_SYSTEMS) {
    const name = `${prefix}_${s}`;
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${templates[s]}`);
    urls[s] = urlOf(adminUrl, name);
  }
  return urls;
}

export async function dropClones(adminUrl: string, prefix: string): Promise<void> {
  for (const s of DEMO_SYSTEMS) await admin(adminUrl, `DROP DATABASE IF EXISTS ${prefix}_${s} WITH (FORCE)`);
}

/** md5 of every table's full content, to prove the engine and the bare SQL changed the same rows the same way. */
export async function contentDigest(urls: Urls, tables: Record<DemoSystem, string[]>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of DEMO_SYSTEMS) {
    for (const t of tables[s]) {
      const [row] = await admin<{ n: string; h: string }>(
        urls[s],
        `SELECT count(*)::text AS n, md5(coalesce(string_agg(row_to_json(x)::text, '' ORDER BY id), '')) AS h FROM ${t} x`,
      );
      out[`${s}.${t}`] = `${row.n}:${row.h}`;
    }
  }
  return out;
}

export async function subjectsOf(
  url: string,
  ids: number[],
): Promise<{ id: string; email: string; phone: string | null }[]> {
  return admin(
    url,
    'SELECT id::text, email, phone FROM customers WHERE id = ANY($1::bigint[]) ORDER BY array_position($1::bigint[], id)',
    [ids],
  );
}

export async function serverVersion(adminUrl: string): Promise<string> {
  const [r] = await admin<{ v: string }>(adminUrl, "SELECT current_setting('server_version') AS v");
  return r.v;
}

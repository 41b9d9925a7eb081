// The retention sweep against a bare DELETE (issue 18): ROWS rows past a P30D rule plus FRESH rows
// inside it, in a table of their own on a throwaway PostgreSQL database; the sweep
// (server/audits/kinds/retention-sweep.ts: batches of 5,000, each one statement, nothing read into
// Lethe) deletes the due rows, and `DELETE … WHERE created_at + '30 days' < now()` does the same on an
// identical copy. Both copies must keep exactly the FRESH rows. Reports rows/s of each, their ratio
// (target ≤ 2×) and the process's peak RSS (target < 300 MB). Figures go to BENCHMARKS.md (## Retention).
import crypto from 'node:crypto';
import pg from 'pg';
import { retentionSweep } from '../server/audits/kinds/retention-sweep';
import type { Deps } from '../server/deps';
import type { DataSystem, PolicyBundle, RetentionRule } from '../server/policies/types';

const ROWS = Number(process.env.RETENTION_BENCH_ROWS ?? 1_000_000);
const FRESH = Number(process.env.RETENTION_BENCH_FRESH ?? 100_000);
const RUNS = Number(process.env.RETENTION_BENCH_RUNS ?? 3);
const admin = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const source = { file: 'bench', line: 1, column: 1 };

const withDb = (url: string, db: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

async function fill(url: string, table: string) {
  await sql(url, `DROP TABLE IF EXISTS ${table}`);
  await sql(url, `CREATE TABLE ${table} (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL)`);
  // Due and fresh rows interleaved, as in a live table (one fresh row in every ROWS/FRESH + 1).
  const every = Math.max(2, Math.round((ROWS + FRESH) / Math.max(1, FRESH)));
  await sql(
    url,
    `INSERT INTO ${table} SELECT g, 'user' || g || '@example.com',
       CASE WHEN g % ${every} = 0 THEN now() - interval '1 day' ELSE now() - interval '400 days' END
     FROM generate_series(1, ${ROWS + FRESH}) g`,
  );
  await sql(url, `CREATE INDEX ON ${table} (created_at)`);
  await sql(url, `VACUUM ANALYZE ${table}`);
  const { rows } = await sql(
    url,
    `SELECT count(*) FILTER (WHERE created_at + interval '30 days' < now())::int AS due FROM ${table}`,
  );
  return rows[0].due as number;
}

const system: DataSystem = {
  name: 'bench',
  description: 'retention bench',
  connectionEnv: 'BENCH_RETENTION_URL',
  engine: 'postgres',
  models: [],
  source,
  datasets: [
    {
      name: 'events',
      kind: 'table',
      description: 'events',
      primaryKey: ['id'],
      columns: [
        { name: 'id', categories: ['system.operations'] },
        { name: 'email', categories: ['user.contact.email'] },
        { name: 'created_at', categories: ['system.operations'] },
      ],
      references: [],
      builtFrom: [],
      source,
    },
  ] as unknown as DataSystem['datasets'],
} as DataSystem;

const rule: RetentionRule = {
  name: 'bench_events',
  dataset: 'bench.events',
  keepFor: 'P30D',
  from: { column: 'created_at' },
  action: 'delete',
  anonymize: [],
  reason: 'bench',
  source,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const name = `lethe_bench_ret_${crypto.randomBytes(3).toString('hex')}`;
  await sql(admin, `CREATE DATABASE ${name}`);
  const url = withDb(admin, name);
  const bundle = {
    datamap: { systems: [system] },
    retention: { rules: [rule], legalHolds: [], firstRunLimit: Number.MAX_SAFE_INTEGER },
  } as unknown as PolicyBundle;
  // The sweep reads the bundle and the data system's URL; with the first-run limit out of reach it
  // never asks Lethe's own database about earlier runs.
  const deps = {
    policies: { current: () => bundle },
    config: { systemUrl: (env: string) => (env === 'BENCH_RETENTION_URL' ? url : undefined) },
  } as unknown as Deps;
  const lethe: number[] = [];
  const bare: number[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const due = await fill(url, 'events');
      await fill(url, 'events_bare');
      let t = process.hrtime.bigint();
      const outcome = await retentionSweep.run({ deps, runId: 'bench', dryRun: false, progress: async () => {} });
      const letheMs = Number(process.hrtime.bigint() - t) / 1e6;
      t = process.hrtime.bigint();
      const res = await sql(url, `DELETE FROM events_bare WHERE created_at + interval '30 days' < now()`);
      const bareMs = Number(process.hrtime.bigint() - t) / 1e6;
      const [a, b] = [
        (await sql(url, "SELECT count(*)::int AS n, md5(string_agg(id::text, ',' ORDER BY id)) AS h FROM events"))
          .rows[0],
        (await sql(url, "SELECT count(*)::int AS n, md5(string_agg(id::text, ',' ORDER BY id)) AS h FROM events_bare"))
          .rows[0],
      ];
      const changed = (outcome.summary as { totalChanged: number }).totalChanged;
      if (changed !== due || res.rowCount !== due || a.n !== b.n || a.h !== b.h)
        throw new Error(`copies differ: sweep ${changed}, bare ${res.rowCount}, due ${due}, left ${a.n}/${b.n}`);
      lethe.push(letheMs);
      bare.push(bareMs);
      console.log(
        `run ${run}: ${due} due rows — sweep ${(letheMs / 1000).toFixed(2)} s (${Math.round(due / (letheMs / 1000))} rows/s), bare DELETE ${(bareMs / 1000).toFixed(2)} s; ${a.n} rows left in both`,
      );
    }
  } finally {
    await sql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  const l = median(lethe);
  const b = median(bare);
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `retention: ${ROWS} due rows (+${FRESH} fresh), median of ${RUNS}: sweep ${(l / 1000).toFixed(2)} s = ${Math.round(ROWS / (l / 1000))} rows/s; bare DELETE ${(b / 1000).toFixed(2)} s = ${Math.round(ROWS / (b / 1000))} rows/s; ratio ${(l / b).toFixed(2)}× (target ≤ 2×); peak RSS ${rssMb.toFixed(0)} MB (target < 300 MB)`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

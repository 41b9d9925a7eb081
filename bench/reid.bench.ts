// Re-identification benchmark: 1,000,000 generated rows (fixed seed), 8 quasi-identifiers with
// age + sex + ZIP (nearly every record its own class: the worst case) and 2 sensitive attributes.
//   CSV: analyseCsv on the file, median of 3 runs, peak RSS of the measuring process.
//   Postgres: the same rows COPYed into a throwaway database; analyseTable against the bare
//   GROUP BY it pushes down, timed the way a client would run it (psql, output discarded).
// Targets: CSV ≤ 3 s and ≤ 300 MB; table ≤ 1.5 × the bare GROUP BY. Figures go to BENCHMARKS.md.
// REID_BENCH_ROWS changes the row count; BENCH_DATABASE_URL (else TEST_DATABASE_URL) the server.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { REID_BENCH_COLUMNS, REID_BENCH_QUASI, REID_BENCH_SENSITIVE, writeBenchCsv } from './reid-generate';
import { writeReidSection, type BenchFigures } from './reid-report';

const ROWS = Number(process.env.REID_BENCH_ROWS ?? 1_000_000);
const SEED = 20261128;
const RUNS = 3;
const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.join(here, '.data');
const csvPath = path.join(dataDir, `reid-${ROWS}-${SEED}.csv`);
const adminUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const COARSE = ['age', 'sex', 'education'];

interface Measured {
  ms: number;
  cpuMs: number;
  peakRssMb: number;
  baselineRssMb: number;
  records: number;
  classes: number;
}

function measure(config: object): Measured {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'reid-measure.ts'), JSON.stringify(config)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`measurement failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const hasPsql = spawnSync('psql', ['--version']).status === 0;

function psql(url: string, args: string[], stdout: 'pipe' | 'ignore' = 'pipe'): { ms: number; out: string } {
  const t = performance.now();
  const r = spawnSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', stdout, 'pipe'],
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return { ms: performance.now() - t, out: r.stdout ?? '' };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

async function loadTable(url: string): Promise<void> {
  const types: Record<string, string> = { age: 'integer', income: 'integer' };
  const ddl = `CREATE TABLE reid_bench (${REID_BENCH_COLUMNS.map((c) => `${c} ${types[c] ?? 'text'}`).join(', ')})`;
  psql(url, ['-c', ddl]);
  psql(url, ['-c', `\\copy reid_bench FROM '${csvPath.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`]);
  psql(url, ['-c', 'VACUUM ANALYZE reid_bench']);
}

function groupBy(columns: readonly string[]): string {
  const list = columns.join(', ');
  return `SELECT ${columns.map((c) => `coalesce(${c}::text, '') AS ${c}`).join(', ')}, count(*) AS reid_count FROM reid_bench GROUP BY ${list}`;
}

async function benchPostgres(): Promise<BenchFigures['postgres']> {
  if (!hasPsql) return { skipped: 'psql is not installed (needed to COPY the rows in and time the bare query)' };
  try {
    await admin('SELECT 1');
  } catch (err) {
    return { skipped: `no Postgres at ${adminUrl.replace(/\/\/[^@]*@/, '//')}: ${(err as Error).message}` };
  }
  const name = `lethe_bench_${crypto.randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  try {
    const loadStart = performance.now();
    await loadTable(url);
    const loadMs = performance.now() - loadStart;
    const version = psql(url, ['-At', '-c', 'SHOW server_version']).out.trim();
    const all = [...REID_BENCH_QUASI, ...REID_BENCH_SENSITIVE];
    const bare: number[] = [];
    const bareQuasi: number[] = [];
    const bareWorkMem: number[] = [];
    const server: number[] = [];
    const ours: Measured[] = [];
    psql(url, ['-c', `COPY (${groupBy(all)}) TO STDOUT`], 'ignore'); // warm the cache
    for (let i = 0; i < RUNS; i++) {
      bare.push(psql(url, ['-c', `COPY (${groupBy(all)}) TO STDOUT`], 'ignore').ms);
      bareQuasi.push(psql(url, ['-c', `COPY (${groupBy(REID_BENCH_QUASI)}) TO STDOUT`], 'ignore').ms);
      const plan = psql(url, ['-At', '-c', `EXPLAIN (ANALYZE, TIMING OFF) ${groupBy(all)}`]).out;
      server.push(Number(/Execution Time: ([\d.]+) ms/.exec(plan)![1]));
      bareWorkMem.push(
        psql(url, ['-c', "SET work_mem = '64MB'", '-c', `COPY (${groupBy(all)}) TO STDOUT`], 'ignore').ms,
      );
      ours.push(
        measure({ mode: 'table', url, table: 'reid_bench', quasi: REID_BENCH_QUASI, sensitive: REID_BENCH_SENSITIVE }),
      );
    }
    return {
      version,
      loadMs,
      bareMs: median(bare),
      bareQuasiMs: median(bareQuasi),
      serverMs: median(server),
      bareWorkMemMs: median(bareWorkMem),
      oursMs: median(ours.map((m) => m.ms)),
      oursCpuMs: median(ours.map((m) => m.cpuMs)),
      oursPeakRssMb: Math.max(...ours.map((m) => m.peakRssMb)),
      classes: ours[0].classes,
      runs: { bare, ours: ours.map((m) => m.ms) },
    };
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(csvPath)) {
    console.log(
      `generating ${ROWS.toLocaleString('en')} rows (seed ${SEED}) into ${path.relative(process.cwd(), csvPath)}`,
    );
    await writeBenchCsv(csvPath + '.tmp', ROWS, SEED);
    fs.renameSync(csvPath + '.tmp', csvPath);
  }
  const loadBefore = os.loadavg()[0];
  const csv = (quasi: readonly string[]) => {
    const runs = Array.from({ length: RUNS }, () =>
      measure({ mode: 'csv', file: csvPath, quasi, sensitive: REID_BENCH_SENSITIVE }),
    );
    return {
      ms: median(runs.map((r) => r.ms)),
      cpuMs: median(runs.map((r) => r.cpuMs)),
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      baselineRssMb: runs[0].baselineRssMb,
      classes: runs[0].classes,
      runs: runs.map((r) => r.ms),
    };
  };
  console.log('CSV, 8 quasi-identifiers…');
  const worst = csv(REID_BENCH_QUASI);
  console.log('CSV, 3 quasi-identifiers…');
  const coarse = csv(COARSE);
  console.log('Postgres…');
  const postgres = await benchPostgres();

  const figures: BenchFigures = {
    rows: ROWS,
    seed: SEED,
    fileMb: Math.round(fs.statSync(csvPath).size / 1e6),
    machine: {
      cpus: os.availableParallelism(),
      cpu:
        /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      load: [loadBefore, os.loadavg()[0]],
    },
    csvWorst: worst,
    csvCoarse: coarse,
    postgres,
  };
  const lines = writeReidSection(path.join(here, '..', 'BENCHMARKS.md'), figures);
  console.log('\n' + lines.join('\n'));
}

await main();

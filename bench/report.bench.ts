// Report benchmark: the quarterly compliance report over 10,000 requests and 50,000 audit-log
// entries, and the audit-log extract of the same 50,000 entries. The data is seeded once into a
// fresh database; each report is then generated three times, each run in its own Node process
// (a worker-like process: real deps, generateReport end to end: checkpoint, gather, render, sign,
// store, audit), which reports its wall time and peak RSS. Target: each ≤ 10 s and ≤ 300 MB.
// REPORT_BENCH_ENTRIES / REPORT_BENCH_REQUESTS change the sizes; BENCH_DATABASE_URL the server.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ENTRIES = Number(process.env.REPORT_BENCH_ENTRIES ?? 50_000);
const REQUESTS = Number(process.env.REPORT_BENCH_REQUESTS ?? 10_000);
const adminUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const here = path.dirname(fileURLToPath(import.meta.url));
const PERIOD = { from: '2026-07-01', to: '2026-09-30' };
// A worker in a memory-limited deployment runs with a bounded heap (README "Reports"); left to its
// defaults on a 24 GB machine V8 collects lazily and the peak RSS measures garbage, not work.
const WORKER_FLAGS = ['--max-old-space-size=256'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function envFor(url: string, secret: string, signing: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: url,
    REDIS_URL: redisUrl,
    LETHE_QUEUE_PREFIX: `lethe-bench-${crypto.randomBytes(3).toString('hex')}`,
    LETHE_SECRET_KEY: secret,
    LETHE_REPORT_SIGNING_KEY: signing,
    LOG_LEVEL: 'silent',
    LETHE_POLICIES_DIR: path.join(here, '..', 'policies'),
  };
}

async function child(kind: 'quarterly' | 'audit_log') {
  const { loadConfig } = await import('../server/config');
  const { buildDeps } = await import('../server/bootstrap');
  const { generateReport } = await import('../server/reports/service');
  const config = loadConfig(process.env);
  const deps = await buildDeps(config, { databaseUrl: config.databaseUrl!, migrate: false });
  try {
    const [row] = await deps
      .db('reports')
      .insert({
        kind,
        params: JSON.stringify({ kind, ...PERIOD }),
        period_from: PERIOD.from,
        period_to: PERIOD.to,
        requested_by: 'system:bench',
      })
      .returning('id');
    const baseRssMB = process.memoryUsage().rss / 1024 / 1024;
    const t0 = performance.now();
    const done = await generateReport(deps, row.id);
    const ms = performance.now() - t0;
    if (done.status !== 'done') throw new Error(`report failed: ${done.error}`);
    const { bytes } = await deps.db('reports').where({ id: row.id }).first('bytes');
    process.stdout.write(
      JSON.stringify({
        baseRssMB,
        ms,
        cpuMs: process.cpuUsage().user / 1000,
        maxRssMB: process.resourceUsage().maxRSS / 1024,
        bytes: bytes.length,
      }) + '\n',
    );
  } finally {
    await deps.queues.close();
    await deps.policies.close(); // its LISTEN connection would keep the process alive
    await deps.db.destroy();
  }
}

async function main() {
  const name = `lethe_bench_report_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const secret = crypto.randomBytes(32).toString('hex');
  const signing = crypto.randomBytes(32).toString('hex');
  try {
    const { loadConfig } = await import('../server/config');
    const { buildDeps } = await import('../server/bootstrap');
    const { seedAuditLog, seedReidRuns, seedRequests } = await import('./report-data');
    const deps = await buildDeps(loadConfig(envFor(url.toString(), secret, signing)), {
      databaseUrl: url.toString(),
      migrate: true,
    });
    const t0 = performance.now();
    const o = {
      from: new Date(`${PERIOD.from}T00:00:00Z`),
      days: 92,
      requests: REQUESTS,
      auditEntries: ENTRIES,
      reidRuns: 300,
    };
    await seedRequests(deps.db, o);
    await seedReidRuns(deps.db, o);
    await seedAuditLog(deps.db, deps.crypto, deps.policies.hash(), o);
    await deps.db.raw('ANALYZE');
    const seededMs = performance.now() - t0;
    const [{ n }] = (await deps.db.raw(`SELECT count(*) AS n FROM audit_log`)).rows;
    await deps.queues.close();
    await deps.policies.close(); // its LISTEN connection would keep the process alive
    await deps.db.destroy();
    if (process.env.REPORT_BENCH_KEEP) {
      console.log(`kept ${url} secret=${secret} signing=${signing}`);
      return;
    }
    type Run = { baseRssMB: number; ms: number; cpuMs: number; maxRssMB: number; bytes: number };
    const results: Record<string, Run[]> = { quarterly: [], audit_log: [] };
    const defaults: Record<string, Run[]> = { quarterly: [], audit_log: [] };
    const runChild = (kind: string, flags: string[]): Run => {
      const r = spawnSync(
        process.execPath,
        [...flags, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind],
        { env: envFor(url.toString(), secret, signing), encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`${kind} run failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop()!);
    };
    const loadBefore = os.loadavg()[0];
    for (let run = 0; run < 3; run++) {
      for (const kind of ['quarterly', 'audit_log'] as const) results[kind].push(runChild(kind, WORKER_FLAGS));
    }
    for (const kind of ['quarterly', 'audit_log'] as const) defaults[kind].push(runChild(kind, []));
    const loadAfter = os.loadavg()[0];
    const row = (label: string, rs: Run[]) => {
      const ms = median(rs.map((r) => r.ms));
      const rss = Math.max(...rs.map((r) => r.maxRssMB));
      const met = ms <= 10_000 && rss <= 300;
      return `| ${label} | ${(ms / 1000).toFixed(2)} s | ${(median(rs.map((r) => r.cpuMs)) / 1000).toFixed(2)} s | ${Math.round(rss)} MB | ${(rs[0].bytes / 1024 / 1024).toFixed(1)} MB | ≤ 10 s, ≤ 300 MB: ${met ? '✅ met' : '❌ not met'} |`;
    };
    const section = `<!-- report-bench:start (written by bench/report.bench.ts) -->
Run with \`npm run bench -- report\`. Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} (shared machine: timings are noisy).
Data: ${REQUESTS.toLocaleString('en')} requests (with erasure steps) and ${Number(n).toLocaleString('en')} audit-log entries in ${PERIOD.from} – ${PERIOD.to}, seeded in ${(seededMs / 1000).toFixed(1)} s (\`bench/report-data.ts\`).
Each run is \`generateReport\` end to end in its own process with the real dependencies: signed checkpoint, gathering (the whole chain is verified for the extract), rows streamed through a cursor into the PDF, Ed25519 signature, stored with its audit entry. Median of 3 runs; peak RSS is the whole process (Node, tsx, deps) at its highest over the 3 runs.

| report | wall time | CPU (Node) | peak RSS | PDF size | target |
| --- | ---: | ---: | ---: | ---: | --- |
${row(`quarterly, ${REQUESTS.toLocaleString('en')} requests in the appendix`, results.quarterly)}
${row(`audit-log extract, ${ENTRIES.toLocaleString('en')} entries`, results.audit_log)}

Runs with \`${WORKER_FLAGS.join(' ')}\` (the worker setting above). Individual runs (ms): quarterly ${results.quarterly.map((r) => Math.round(r.ms)).join(', ')}; extract ${results.audit_log.map((r) => Math.round(r.ms)).join(', ')}.
The process holds ${Math.round(median(results.audit_log.map((r) => r.baseRssMB)))} MB before the report starts (Node, tsx, BullMQ, knex, the policy bundle).
With Node's default heap limits (one run each): quarterly ${Math.round(defaults.quarterly[0].ms)} ms, peak ${Math.round(defaults.quarterly[0].maxRssMB)} MB; extract ${Math.round(defaults.audit_log[0].ms)} ms, peak ${Math.round(defaults.audit_log[0].maxRssMB)} MB (garbage collected later, not held: the same work fits the bounded heap).
<!-- report-bench:end -->`;
    console.log(section);
    const file = path.join(here, '..', 'BENCHMARKS.md');
    const md = fs.readFileSync(file, 'utf8');
    const re = /<!-- report-bench:start[\s\S]*?<!-- report-bench:end -->/;
    fs.writeFileSync(file, re.test(md) ? md.replace(re, section) : `${md.trimEnd()}\n\n## Reports\n\n${section}\n`);
  } finally {
    if (!process.env.REPORT_BENCH_KEEP) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as 'quarterly' | 'audit_log');
else await main();

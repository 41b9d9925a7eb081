// Erasure benchmark: the demo company's five systems at 100,000 customers (13 tables, ~3.2M rows,
// generated once into template databases), 1,000 erasure requests run one after another by one
// worker through discoverIdentities → planRequest → runErasure (in-process, checkpoints in memory),
// against the bare SQL a DBA would write for the same subjects on an identical copy. After each run
// every table of both copies is compared: the engine and the bare SQL must leave identical data.
// Since issue 8 the engine path is the job's: discover (to a fixed point over every identity column)
// → record the subject's values → plan → runErasure; the verification scan after each request is
// timed on its own and reported per request (it is not part of the ratio: bare SQL has no equivalent).
// Target: the engine within 2 × the bare SQL. Figures go to BENCHMARKS.md (## Erasure).
// ERASURE_BENCH_CUSTOMERS / _REQUESTS / _RUNS change the size; BENCH_DATABASE_URL (else
// TEST_DATABASE_URL) the server.
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import { createConnections } from '../server/systems/connections';
import { discoverIdentities, runErasure } from '../server/erasure/execute';
import { planRequest } from '../server/erasure/plan';
import { recordSubjectValues } from '../server/erasure/subject-values';
import { verifyErasure } from '../server/erasure/verify';
import { DEMO_ANCHOR, DEMO_SYSTEMS, type DemoSystem } from '../server/demo/systems';
import { demoDatamap } from '../test/fixtures/demo-datamap';
import { demoPolicy } from '../test/fixtures/demo-policy';
import { fixtureDecide } from '../test/fixtures/decide';
import { memoryCheckpoints } from '../test/erasure/checkpoints';
import {
  cloneTemplates,
  contentDigest,
  dropClones,
  ensureTemplates,
  serverVersion,
  subjectsOf,
  type Urls,
} from './erasure-data';
import { bareErase } from './erasure-bare';
import { writeErasureSection, type ErasureFigures, type RunFigures } from './erasure-report';

const CUSTOMERS = Number(process.env.ERASURE_BENCH_CUSTOMERS ?? 100_000);
const REQUESTS = Number(process.env.ERASURE_BENCH_REQUESTS ?? 1_000);
const RUNS = Number(process.env.ERASURE_BENCH_RUNS ?? 3);
const SEED = 20261128;
const TARGET = 2;
/** Verification after every n-th request (its figure is per verified request). */
const VERIFY_EVERY = Number(process.env.ERASURE_BENCH_VERIFY_EVERY ?? 100);
const adminUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const here = path.dirname(fileURLToPath(import.meta.url));
const tables = Object.fromEntries(demoDatamap.systems.map((s) => [s.name, s.datasets.map((d) => d.name)])) as Record<
  DemoSystem,
  string[]
>;
const now = new Date(DEMO_ANCHOR);
const decide = fixtureDecide(demoPolicy);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarise(latencies: number[], totalMs: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    totalMs,
    perSecond: (latencies.length / totalMs) * 1000,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
  };
}

async function runEngine(urls: Urls, subjects: { email: string }[], keys: { hash: Buffer; pseudonym: Buffer }) {
  const connections = createConnections(demoDatamap, (s) => urls[s.name as DemoSystem]);
  const latencies: number[] = [];
  const verifyMs: number[] = [];
  let i = 0;
  let rows = 0;
  const start = performance.now();
  try {
    for (const s of subjects) {
      const t = performance.now();
      const identity = await discoverIdentities({ datamap: demoDatamap, connections, identity: { email: [s.email] } });
      const values = await recordSubjectValues({ datamap: demoDatamap, connections, identity });
      const plan = planRequest({ datamap: demoDatamap, decide, regulation: 'gdpr' });
      const outcome = await runErasure(plan, { connections, identity, keys, now }, memoryCheckpoints());
      rows += outcome.totals.rowsAffected;
      latencies.push(performance.now() - t);
      if (i++ % VERIFY_EVERY !== 0) continue;
      const v0 = performance.now();
      const verification = await verifyErasure({
        datamap: demoDatamap,
        connections,
        identity,
        values,
        decide,
        regulation: 'gdpr',
        now,
      });
      verifyMs.push(performance.now() - v0);
      if (!verification.clean)
        throw new Error(
          `verification not clean after erasing ${s.email.replace(/^[^@]+/, '…')}: ${JSON.stringify(verification.remaining)} ${verification.problems.join('; ')}`,
        );
    }
    const elapsed = performance.now() - start - verifyMs.reduce((a, b) => a + b, 0);
    return {
      ...summarise(latencies, elapsed),
      rows,
      verify: summarise(
        verifyMs,
        verifyMs.reduce((a, b) => a + b, 0),
      ),
    };
  } finally {
    await connections.destroy();
  }
}

async function runBare(
  urls: Urls,
  subjects: { id: string; email: string }[],
  keys: { hash: Buffer; pseudonym: Buffer },
) {
  const dbs = Object.fromEntries(
    DEMO_SYSTEMS.map((s) => [s, knexFactory({ client: 'pg', connection: urls[s], pool: { min: 0, max: 2 } })]),
  ) as Record<DemoSystem, Knex>;
  const latencies: number[] = [];
  const start = performance.now();
  try {
    for (const s of subjects) {
      const t = performance.now();
      await bareErase(dbs, s, keys, now);
      latencies.push(performance.now() - t);
    }
    return summarise(latencies, performance.now() - start);
  } finally {
    await Promise.all(Object.values(dbs).map((d) => d.destroy()));
  }
}

async function main() {
  console.log(`erasure bench: ${CUSTOMERS.toLocaleString('en')} customers, ${REQUESTS} requests, ${RUNS} runs`);
  const { names, generatedMs } = await ensureTemplates(adminUrl, CUSTOMERS, SEED);
  console.log(
    generatedMs === null ? 'templates reused' : `templates generated in ${(generatedMs / 1000).toFixed(1)} s`,
  );
  const sizeUrls = Object.fromEntries(
    DEMO_SYSTEMS.map((s) => [s, adminUrl.replace(/\/[^/]*$/, '/' + names[s])]),
  ) as Urls;
  const before = await contentDigest(sizeUrls, tables);
  const totalRows = Object.values(before).reduce((n, v) => n + Number(v.split(':')[0]), 0);
  // Subjects spread evenly over the id range, all distinct.
  const ids = Array.from({ length: REQUESTS }, (_, k) => 1 + Math.floor((k * CUSTOMERS) / REQUESTS));
  const runs: RunFigures[] = [];
  for (let r = 0; r < RUNS; r++) {
    const keys = {
      hash: crypto.createHash('sha256').update(`hash${r}`).digest(),
      pseudonym: crypto.createHash('sha256').update(`pseu${r}`).digest(),
    };
    const engineUrls = await cloneTemplates(adminUrl, names, 'lethe_bench_engine');
    const bareUrls = await cloneTemplates(adminUrl, names, 'lethe_bench_bare');
    const subjects = await subjectsOf(engineUrls.crm, ids);
    // Alternate which goes first so neither always meets the warmer cache.
    const first = r % 2 === 0 ? 'engine' : 'bare';
    const engine = first === 'engine' ? await runEngine(engineUrls, subjects, keys) : null;
    const bare = await runBare(bareUrls, subjects, keys);
    const engineRun = engine ?? (await runEngine(engineUrls, subjects, keys));
    const [a, b] = [await contentDigest(engineUrls, tables), await contentDigest(bareUrls, tables)];
    const differ = Object.keys(a).filter((k) => a[k] !== b[k]);
    if (differ.length) throw new Error(`engine and bare SQL left different data in ${differ.join(', ')}`);
    const run = { engine: engineRun, bare, ratio: engineRun.totalMs / bare.totalMs };
    console.log(
      `run ${r + 1}: engine ${engineRun.perSecond.toFixed(1)} req/s (p50 ${engineRun.p50.toFixed(1)} ms, p95 ${engineRun.p95.toFixed(1)} ms, ${engineRun.rows} rows) · ` +
        `bare ${bare.perSecond.toFixed(1)} req/s (p50 ${bare.p50.toFixed(1)} ms, p95 ${bare.p95.toFixed(1)} ms) · ratio ${run.ratio.toFixed(2)} · data identical · ` +
        `verification scan p50 ${engineRun.verify.p50.toFixed(1)} ms, p95 ${engineRun.verify.p95.toFixed(1)} ms per request`,
    );
    runs.push(run);
    await dropClones(adminUrl, 'lethe_bench_engine');
    await dropClones(adminUrl, 'lethe_bench_bare');
  }
  const figures: ErasureFigures = {
    customers: CUSTOMERS,
    requests: REQUESTS,
    tables: Object.keys(before).length,
    rows: totalRows,
    seed: SEED,
    postgres: await serverVersion(adminUrl),
    machine: {
      cpus: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      load: os.loadavg(),
    },
    runs,
    verifyEvery: VERIFY_EVERY,
  };
  const lines = writeErasureSection(path.join(here, '..', 'BENCHMARKS.md'), figures);
  console.log(lines.join('\n'));
  const median = [...runs].sort((x, y) => x.ratio - y.ratio)[Math.floor(runs.length / 2)];
  if (median.ratio > TARGET)
    console.warn(`target missed: engine ${median.ratio.toFixed(2)} × bare SQL (target ≤ ${TARGET} ×)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Erasures in parallel (issue 21, point 4): the same approved erasure requests run by 1, 2 and 4 real
// worker processes (`jobs/worker.ts`, erasure concurrency 1 each) on one PostgreSQL and one Redis.
// Seeded once into template databases (the demo company's five systems and Lethe's own database
// with the requests carried to "approved" through the request service); every run clones them
// (CREATE DATABASE … TEMPLATE), enqueues every request the way approve() does (job id = request id,
// stamped with the bundle) into a paused queue, starts the workers, waits until they are idle, then
// resumes the queue and polls Postgres until no request is left in a worker status. Wall time →
// requests/s. Each run must end with no failed job attempt, no deadlock (pg_stat_database), a
// verifying audit chain, and the same digest as the first 1-worker run: every system table's rows,
// every request's status, outcome and step counts, the audit log's (actor, action, request)
// multiset. Any difference fails the bench. Worker counts interleave (1, 2, 4, 1, 2, 4, …) so the
// ratios are measured side by side; medians per worker count go to BENCHMARKS.md
// (## Scale (issue 21), between the erasure-parallel-bench markers).
//
// Sizes (environment):
//   PARALLEL_BENCH_ERASURES  requests to erase per run (default 1000)
//   PARALLEL_BENCH_CUSTOMERS customers of the demo company (default 5000; the subjects are spread over them)
//   PARALLEL_BENCH_WORKERS   worker counts, comma-separated (default 1,2,4)
//   PARALLEL_BENCH_RUNS      rounds (default 3: median of 3 per worker count)
//   PARALLEL_BENCH_WRITE     0 to print without writing BENCHMARKS.md (default 1)
//   PARALLEL_BENCH_PROFILE   a directory: each worker process writes a V8 CPU profile there (node --cpu-prof)
//   BENCH_DATABASE_URL (else TEST_DATABASE_URL) the PostgreSQL server, BENCH_REDIS_URL (else REDIS_URL) Redis.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createQueues } from '../jobs/queues';
import { createJobQueue } from '../server/job-queue';
import { createDb } from '../server/db/knex';
import { createCrypto } from '../server/crypto';
import { createAuditLog } from '../server/audit-log/service';
import { WORKER_STATUSES } from '../server/requests/status';
import { DEMO_SYSTEMS, type DemoSystem } from '../server/demo/systems';
import { CHATS_FILE, SNAPSHOT_FILE, seedFinetuningFiles } from '../server/demo/finetuning';
import { withDuckdb, rowsOf, sqlString } from '../server/erasure/files/duckdb';
import { demoDatamap } from '../test/fixtures/demo-datamap';
import { migrations } from '../migrations/index';
import { admin, ensureTemplates, serverVersion, subjectsOf, urlOf, type Urls } from './erasure-data';
import { benchEnv, dropQueuePrefix, ensureLetheTemplate } from './erasure-parallel-seed';
import {
  deadlocks,
  machineTicks,
  postgresCpu,
  postmasterPid,
  redisCpu,
  requestLines,
  runDigest,
  sampleActivity,
  statusCounts,
  cpuOf,
} from './erasure-parallel-probe';
import { startWorker, untilIdle, type WorkerProcess } from './erasure-parallel-workers';
import { printAndWrite, topStatements, type ParallelRun } from './erasure-parallel-report';

const ERASURES = Number(process.env.PARALLEL_BENCH_ERASURES ?? 1000);
const CUSTOMERS = Number(process.env.PARALLEL_BENCH_CUSTOMERS ?? 5000);
const WORKERS = (process.env.PARALLEL_BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const RUNS = Number(process.env.PARALLEL_BENCH_RUNS ?? 3);
const WRITE = process.env.PARALLEL_BENCH_WRITE !== '0';
const SEED = 20261205;
const adminUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const here = path.dirname(fileURLToPath(import.meta.url));
const tables = Object.fromEntries(demoDatamap.systems.map((s) => [s.name, s.datasets.map((d) => d.name)])) as Record<
  DemoSystem,
  string[]
>;
const RUN = 'lethe_par_run';
/** A run that finishes no request for this long has stalled. */
const STALL_MS = 180_000;

async function clone(templates: Record<DemoSystem | 'lethe', string>): Promise<Urls & { lethe: string }> {
  const urls = {} as Urls & { lethe: string };
  for (const s of [...DEMO_SYSTEMS, 'lethe'] as const) {
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${RUN}_${s} WITH (FORCE)`);
    await admin(adminUrl, `CREATE DATABASE ${RUN}_${s} TEMPLATE ${templates[s]}`);
    urls[s] = urlOf(adminUrl, `${RUN}_${s}`);
  }
  return urls;
}

/** The fine-tuning files as a run left them: the chats' bytes, the snapshot's rows in file order. */
async function filesDigest(root: string): Promise<Record<string, string>> {
  const md5 = (s: string | Buffer) => crypto.createHash('md5').update(s).digest('hex');
  const rows = await withDuckdb((db) =>
    rowsOf(
      db,
      `SELECT * EXCLUDE (file_row_number) FROM read_parquet(${sqlString(path.join(root, SNAPSHOT_FILE))}, file_row_number = true) ORDER BY file_row_number`,
    ),
  );
  return {
    'finetuning.chats (bytes)': md5(fs.readFileSync(path.join(root, CHATS_FILE))),
    'finetuning.snapshot_2026_11 (rows in order)': `${rows.length}:${md5(JSON.stringify(rows))}`,
  };
}

async function runOnce(workers: number, templates: Record<DemoSystem | 'lethe', string>): Promise<ParallelRun> {
  const urls = await clone(templates);
  const databases = [...DEMO_SYSTEMS, 'lethe'].map((s) => `${RUN}_${s}`);
  const prefix = `lethe-par-${crypto.randomBytes(4).toString('hex')}`;
  const env = { ...benchEnv(urls.lethe, redisUrl, prefix, urls), LETHE_JOB_CONCURRENCY: 'erasure=1' };
  // The shipped data map's fine-tuning files system (root: finetuning under the data dir): without its files
  // every erasure's verification reports "no file matches" and ends in needs_attention.
  await seedFinetuningFiles(path.join(env.LETHE_DATA_DIR, 'finetuning'), urls.crm, 7);
  const db = createDb(urls.lethe, 2);
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('erasure', { connection, prefix });
  const queues = await createQueues({ kind: 'redis', url: redisUrl, prefix });
  const procs: WorkerProcess[] = [];
  try {
    const requests: { id: string; bundle_hash: string }[] = await db('requests')
      .where({ type: 'erasure' })
      .orderBy('reference')
      .select('id', 'bundle_hash');
    const auditBefore = Number((await db('audit_log').count({ n: '*' }))[0].n);
    // What approve() does after its status move: enqueue under the request id, stamped with the bundle.
    await queue.pause();
    const jobs = createJobQueue(queues, () => requests[0].bundle_hash);
    for (const r of requests) await jobs.enqueue('erasure', r.id, { requestId: r.id });
    for (let i = 0; i < workers; i++) procs.push(startWorker(env));
    await Promise.all(procs.map((p) => p.ready));
    await untilIdle(procs.map((p) => p.pid)); // start-up and the reconciler's first pass are not timed

    const postmaster = await postmasterPid(adminUrl);
    const deadlocksBefore = await deadlocks(adminUrl, databases);
    const cpu0 = {
      workers: procs.reduce((s, p) => s + cpuOf(p.pid), 0),
      pg: postmaster ? postgresCpu(postmaster) : 0,
      redis: await redisCpu(redisUrl),
      machine: machineTicks(),
    };
    const sampler = sampleActivity(adminUrl, databases);
    const t0 = performance.now();
    await queue.resume();
    let open = requests.length;
    let lastChange = Date.now();
    while (open > 0) {
      await new Promise((r) => setTimeout(r, 250));
      const now = Number(
        (await db('requests').where({ type: 'erasure' }).whereIn('status', WORKER_STATUSES).count({ n: '*' }))[0].n,
      );
      if (now !== open) lastChange = Date.now();
      open = now;
      if (Date.now() - lastChange > STALL_MS) throw new Error(`stalled with ${open} requests open`);
      if (procs.some((p) => p.failures.length)) break;
    }
    const wallMs = performance.now() - t0;
    const cpu1 = {
      workers: procs.reduce((s, p) => s + cpuOf(p.pid), 0),
      pg: postmaster ? postgresCpu(postmaster) : 0,
      redis: await redisCpu(redisUrl),
      machine: machineTicks(),
    };
    const activity = await sampler.stop();
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    await Promise.all(procs.map((p) => p.stop()));
    const failures = procs.flatMap((p) => p.failures);
    if (failures.length || counts.failed)
      throw new Error(
        `${failures.length} failed job attempt(s), ${counts.failed} failed job(s): ${failures.slice(0, 3).join('; ')}`,
      );
    await new Promise((r) => setTimeout(r, 1500)); // backends report their statistics when they end
    const deadlocksRun = (await deadlocks(adminUrl, databases)) - deadlocksBefore;
    if (deadlocksRun) throw new Error(`${deadlocksRun} deadlock(s) during the run`);

    const audit = createAuditLog(db, () => requests[0].bundle_hash, {
      crypto: createCrypto(Buffer.from(env.LETHE_SECRET_KEY, 'hex')),
    });
    const chain = await audit.verify();
    if (!chain.ok) throw new Error(`audit chain does not verify after the run: ${JSON.stringify(chain)}`);
    const auditAfter = Number((await db('audit_log').count({ n: '*' }))[0].n);
    const digest = {
      ...(await runDigest(urls.lethe, urls, tables)),
      ...(await filesDigest(path.join(env.LETHE_DATA_DIR, 'finetuning'))),
    };
    const lines = await requestLines(urls.lethe);
    // The serialized section of the chain: one append (advisory lock → head → HMAC → insert →
    // commit), timed alone on this run's database; the runs' appends are the same statements.
    const a0 = performance.now();
    const APPENDS = 50;
    for (let i = 0; i < APPENDS; i++) await audit.append({ actor: 'system:bench', action: 'bench.append', target: '' });
    const appendMs = (performance.now() - a0) / APPENDS;
    return {
      workers,
      erasures: requests.length,
      wallMs,
      perSecond: (requests.length / wallMs) * 1000,
      statuses: await statusCounts(urls.lethe),
      cpu: {
        workers: cpu1.workers - cpu0.workers,
        postgres: postmaster ? cpu1.pg - cpu0.pg : null,
        redis: cpu1.redis - cpu0.redis,
        machineBusy: (cpu1.machine.busy - cpu0.machine.busy) / Math.max(1, cpu1.machine.total - cpu0.machine.total),
      },
      activity,
      auditPerErasure: (auditAfter - auditBefore) / requests.length,
      appendMs,
      deadlocks: deadlocksRun,
      digest,
      lines,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await queue.close();
    await connection.quit();
    await queues.close();
    await db.destroy();
    await dropQueuePrefix(redisUrl, prefix);
    fs.rmSync(env.LETHE_DATA_DIR, { recursive: true, force: true });
    for (const d of databases) await admin(adminUrl, `DROP DATABASE IF EXISTS ${d} WITH (FORCE)`);
  }
}

async function main() {
  console.log(
    `erasure-parallel bench: ${ERASURES} erasures, ${CUSTOMERS.toLocaleString('en')} customers, workers ${WORKERS.join(', ')}, ${RUNS} rounds`,
  );
  const loadBefore = os.loadavg();
  const { names, generatedMs } = await ensureTemplates(adminUrl, CUSTOMERS, SEED, 'lethe_par_tpl');
  const ids = Array.from({ length: ERASURES }, (_, k) => 1 + Math.floor((k * CUSTOMERS) / ERASURES));
  const subjects = await subjectsOf(urlOf(adminUrl, names.crm), ids);
  const seeded = await ensureLetheTemplate({
    adminUrl,
    redisUrl,
    name: 'lethe_par_tpl_lethe',
    marker: `lethe erasure-parallel v1: customers=${CUSTOMERS} erasures=${ERASURES} seed=${SEED} subjects=${crypto
      .createHash('sha256')
      .update(subjects.map((s) => s.email).join(','))
      .digest('hex')
      .slice(0, 12)} migrations=${migrations.length}${generatedMs === null ? '' : ` systems=${Date.now()}`}`,
    systems: Object.fromEntries(DEMO_SYSTEMS.map((s) => [s, urlOf(adminUrl, names[s])])) as Urls,
    emails: subjects.map((s) => s.email),
  });
  console.log(
    generatedMs === null && seeded.generatedMs === null
      ? 'templates reused'
      : `templates generated in ${(((generatedMs ?? 0) + (seeded.generatedMs ?? 0)) / 1000).toFixed(1)} s`,
  );
  const templates = { ...names, lethe: 'lethe_par_tpl_lethe' };
  const runs: ParallelRun[] = [];
  let reference: ParallelRun | null = null;
  for (let r = 0; r < RUNS; r++) {
    for (const n of WORKERS) {
      const run = await runOnce(n, templates);
      reference ??= run;
      const differ = Object.keys(reference.digest).filter((k) => reference!.digest[k] !== run.digest[k]);
      if (differ.length) {
        const first = run.lines.findIndex((l, i) => l !== reference!.lines[i]);
        if (first >= 0)
          console.error(
            `first differing request:\n  reference: ${reference.lines[first]}\n  this run:  ${run.lines[first]}`,
          );
        throw new Error(
          `${n} worker(s), round ${r + 1}: the databases differ from the first ${reference.workers}-worker run in ${differ.join(', ')}`,
        );
      }
      console.log(
        `round ${r + 1}, ${n} worker(s): ${run.perSecond.toFixed(2)} req/s (${(run.wallMs / 1000).toFixed(1)} s), ` +
          `CPU workers ${run.cpu.workers.toFixed(1)} s, postgres ${run.cpu.postgres?.toFixed(1) ?? '—'} s, redis ${run.cpu.redis.toFixed(1)} s, ` +
          `machine busy ${(run.cpu.machineBusy * 100).toFixed(0)} %, ${JSON.stringify(run.statuses)}, identical to the reference`,
      );
      console.log(
        `  run's backends: CPU ${run.activity.backendCpu.toFixed(1)} s; on CPU most in: ${topStatements(run)}`,
      );
      runs.push(run);
    }
  }
  printAndWrite(path.join(here, '..', 'BENCHMARKS.md'), WRITE, {
    erasures: ERASURES,
    customers: CUSTOMERS,
    rounds: RUNS,
    postgres: await serverVersion(adminUrl),
    loadBefore,
    loadAfter: os.loadavg(),
    runs,
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

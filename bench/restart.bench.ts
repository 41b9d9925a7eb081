// Restart of `npm start` with data (issue 21): the quick start's process (web + worker + scheduler,
// embedded PostgreSQL, the demo company) started once on an empty data dir, stopped with SIGTERM,
// then started again RESTART_BENCH_RUNS times (default 3) on the data it left. Measured per start:
// spawn → "Lethe is running" printed, and spawn → GET /readyz answers 200 (what a load balancer
// waits for). Compiled build and sources alternate in one run. Target: a restart ≤ 2 s.
// Env: RESTART_BENCH_RUNS, RESTART_BENCH_PORT (default 3917), RESTART_BENCH_PG_PORT (default 54391).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.RESTART_BENCH_RUNS ?? 3);
const PORT = Number(process.env.RESTART_BENCH_PORT ?? 3917);
const PG_PORT = Number(process.env.RESTART_BENCH_PG_PORT ?? 54391);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-restart-'));

interface Start {
  printedS: number;
  readyS: number;
  rssMb: number;
}

async function startOnce(sources: boolean): Promise<Start> {
  const t0 = performance.now();
  // As the README's quick start: no DATABASE_URL or REDIS_URL, so the embedded defaults serve.
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'launch.mjs'), 'server/start.ts'], {
    cwd: root,
    env: {
      ...env,
      PORT: String(PORT),
      LETHE_DATA_DIR: dataDir,
      LETHE_EMBEDDED_PG_PORT: String(PG_PORT),
      LETHE_USE_SOURCES: sources ? '1' : '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let printedS = NaN;
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (Number.isNaN(printedS) && out.includes('Lethe is running')) printedS = (performance.now() - t0) / 1000;
  });
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  let readyS = NaN;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}: ${out.slice(-2000)}`);
    if ((performance.now() - t0) / 1000 > 600) throw new Error(`not ready in 600 s: ${out.slice(-2000)}`);
    const ok = await fetch(`http://127.0.0.1:${PORT}/readyz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) {
      readyS = (performance.now() - t0) / 1000;
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rssMb = Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  child.kill('SIGTERM');
  await new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // The embedded PostgreSQL stops after Lethe's process: wait for it to be gone (its postmaster.pid
  // removed), so that the next start really starts it rather than finding it still answering.
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  for (const end = Date.now() + 30_000; fs.existsSync(pidFile);) {
    if (Date.now() > end) throw new Error(`the embedded PostgreSQL did not stop: ${pidFile} is still there`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { printedS, readyS, rssMb };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () =>
  os
    .loadavg()
    .slice(0, 1)
    .map((l) => l.toFixed(1))[0];

try {
  const loadBefore = load();
  const first = await startOnce(false);
  console.log(`first start (initdb, migrations, demo seed): ready in ${first.readyS.toFixed(2)} s`);
  const runs: Record<'compiled' | 'sources', Start[]> = { compiled: [], sources: [] };
  for (let i = 0; i < RUNS; i++) {
    runs.compiled.push(await startOnce(false));
    runs.sources.push(await startOnce(true));
  }
  const loadAfter = load();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nRestart of npm start with data, ${os.cpus().length} × ${cpu}, Node ${process.version}; load ${loadBefore} → ${loadAfter}; median of ${RUNS}\n`,
  );
  console.log('| build | "Lethe is running" printed s | /readyz 200 s | min–max ready s | RSS after ready MB |');
  console.log('| --- | ---: | ---: | --- | ---: |');
  for (const [build, xs] of Object.entries(runs)) {
    const ready = xs.map((x) => x.readyS);
    console.log(
      `| ${build} | ${median(xs.map((x) => x.printedS)).toFixed(2)} | **${median(ready).toFixed(2)}** | ${Math.min(...ready).toFixed(2)}–${Math.max(...ready).toFixed(2)} | ${median(xs.map((x) => x.rssMb))} |`,
    );
  }
  const compiled = median(runs.compiled.map((x) => x.readyS));
  console.log(`\nTarget: a restart ≤ 2 s: ${compiled <= 2 ? 'met' : 'NOT met'} (compiled, ${compiled.toFixed(2)} s).`);
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}

// Real worker processes for the parallel erasure bench: `node scripts/launch.mjs jobs/worker.ts`
// (the compiled build when dist/ is current, else tsx), each with its own environment, read for
// its readiness and for failed jobs from its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpuOf } from './erasure-parallel-probe';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface WorkerProcess {
  pid: number;
  ready: Promise<void>;
  /** Job attempts the worker logged as failed, with their messages. */
  failures: string[];
  /** Error-level log lines. */
  errors: string[];
  stop(): Promise<void>;
}

export function startWorker(env: Record<string, string>): WorkerProcess {
  const passThrough = ['PATH', 'HOME', 'TMPDIR', 'LETHE_USE_SOURCES'].filter((k) => process.env[k] !== undefined);
  // PARALLEL_BENCH_PROFILE=DIR: each worker writes a V8 CPU profile there when it stops.
  const profile = process.env.PARALLEL_BENCH_PROFILE;
  const args = [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), path.join(ROOT, 'scripts/launch.mjs')];
  const child: ChildProcess = spawn(process.execPath, [...args, 'jobs/worker.ts'], {
    cwd: ROOT,
    env: { ...Object.fromEntries(passThrough.map((k) => [k, process.env[k]!])), ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const failures: string[] = [];
  const errors: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { event?: string; level?: number; error?: string; msg?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.event === 'worker.ready') resolve();
      if (entry.event === 'job.failed') failures.push(entry.error ?? 'unknown');
      if ((entry.level ?? 0) >= 50) errors.push(`${entry.event ?? ''} ${entry.error ?? entry.msg ?? ''}`);
    });
    void exited.then((code) => reject(new Error(`worker exited (${code}) before it was ready: ${stderr}`)));
  });
  return {
    pid: child.pid!,
    ready,
    failures,
    errors,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until none of the processes used more than 5 % of a core over half a second (start-up work done). */
export async function untilIdle(pids: number[], maxMs = 30_000): Promise<void> {
  const end = Date.now() + maxMs;
  for (;;) {
    const before = pids.map((p) => cpuOf(p));
    await new Promise((r) => setTimeout(r, 500));
    const busy = pids.some((p, i) => cpuOf(p) - before[i] > 0.025);
    if (!busy || Date.now() > end) return;
  }
}

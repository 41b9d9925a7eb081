// The parallel erasure bench's table: printed, and written into BENCHMARKS.md under
// "## Scale (issue 21)" between its own markers (the rest of the file is left as it is).
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { ActivitySamples } from './erasure-parallel-probe';

export interface ParallelRun {
  workers: number;
  erasures: number;
  wallMs: number;
  perSecond: number;
  statuses: Record<string, number>;
  /** CPU seconds during the timed part; postgres null when its processes cannot be read. */
  cpu: { workers: number; postgres: number | null; redis: number; machineBusy: number };
  activity: ActivitySamples;
  auditPerErasure: number;
  appendMs: number;
  deadlocks: number;
  digest: Record<string, string>;
  /** Per request, for showing what differs (see requestLines). */
  lines: string[];
}

export interface ParallelFigures {
  erasures: number;
  customers: number;
  rounds: number;
  postgres: string;
  loadBefore: number[];
  loadAfter: number[];
  runs: ParallelRun[];
}

const START = '<!-- erasure-parallel-bench:start (written by bench/erasure-parallel.bench.ts) -->';
const END = '<!-- erasure-parallel-bench:end -->';
const TARGET = 1.5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ');

function cpuModel(): string {
  try {
    return /Model name:\s*(.+)/.exec(execSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? os.cpus()[0].model;
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

/** The statements most often seen on CPU, with their share of the on-CPU samples. */
export function topStatements(r: ParallelRun, n = 4): string {
  const total = Object.values(r.activity.statements).reduce((s, x) => s + x, 0) || 1;
  return Object.entries(r.activity.statements)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([q, x]) => `${pct(x / total)} \`${q.replace(/`/g, "'")}…\``)
    .join('; ');
}

function shares(a: ActivitySamples) {
  const total = Object.values(a.states).reduce((s, n) => s + n, 0) || 1;
  const of = (pred: (k: string) => boolean) =>
    Object.entries(a.states)
      .filter(([k]) => pred(k))
      .reduce((s, [, n]) => s + n, 0) / total;
  return {
    active: total / Math.max(1, a.samples),
    cpu: of((k) => k === 'CPU'),
    advisory: of((k) => k === 'Lock:advisory'),
    rowLocks: of((k) => k.startsWith('Lock:') && k !== 'Lock:advisory'),
    io: of((k) => k.startsWith('IO:') || k.startsWith('LWLock:WAL')),
    other: of((k) => k !== 'CPU' && !k.startsWith('Lock:') && !k.startsWith('IO:') && !k.startsWith('LWLock:WAL')),
  };
}

export function parallelLines(f: ParallelFigures): string[] {
  const counts = [...new Set(f.runs.map((r) => r.workers))];
  const base = f.runs.filter((r) => r.workers === counts[0]);
  const roundsOf = (n: number) => f.runs.filter((r) => r.workers === n);
  const ratios = (n: number) => roundsOf(n).map((r, i) => r.perSecond / base[i].perSecond);
  const m = (n: number, pick: (r: ParallelRun) => number) => median(roundsOf(n).map(pick));
  const perErasure = (r: ParallelRun) => (r.cpu.workers + r.activity.backendCpu + r.cpu.redis) / r.erasures;
  const rows = counts.map((n) => {
    const s = roundsOf(n).map((r) => shares(r.activity));
    const ms = (pick: (x: ReturnType<typeof shares>) => number) => median(s.map(pick));
    return (
      `| ${n} | **${m(n, (r) => r.perSecond).toFixed(2)}** | ${roundsOf(n)
        .map((r) => r.perSecond.toFixed(2))
        .join(', ')} | ${
        n === counts[0]
          ? '1'
          : `**${median(ratios(n)).toFixed(2)} ×** (${ratios(n)
              .map((x) => x.toFixed(2))
              .join(', ')})`
      } | ` +
      `${((m(n, (r) => r.cpu.workers) / f.erasures) * 1000).toFixed(0)} / ${((m(n, (r) => r.activity.backendCpu) / f.erasures) * 1000).toFixed(0)} (${
        base[0].cpu.postgres === null ? '—' : ((m(n, (r) => r.cpu.postgres ?? 0) / f.erasures) * 1000).toFixed(0)
      }) / ${((m(n, (r) => r.cpu.redis) / f.erasures) * 1000).toFixed(1)} ms | ${pct(m(n, (r) => r.cpu.machineBusy))} | ` +
      `${ms((x) => x.active).toFixed(2)}: ${pct(ms((x) => x.cpu))} / ${pct(ms((x) => x.advisory))} / ${pct(ms((x) => x.rowLocks))} / ${pct(ms((x) => x.io))} / ${pct(ms((x) => x.other))} |`
    );
  });
  const one = base;
  const wallPer = median(one.map((r) => r.wallMs / r.erasures));
  const cpuPer = median(one.map(perErasure)) * 1000;
  const entries = median(one.map((r) => r.auditPerErasure));
  const appendMs = median(f.runs.map((r) => r.appendMs));
  const serialized = entries * appendMs;
  const two = counts.includes(2) ? median(ratios(2)) : null;
  return [
    START,
    `Run with \`npm run bench -- erasure-parallel\`. Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.availableParallelism()} × ${cpuModel()}, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, PostgreSQL ${f.postgres} (default settings), Redis on the same machine; ` +
      `load average ${load(f.loadBefore)} before → ${load(f.loadAfter)} after.`,
    `Data: ${f.customers.toLocaleString('en')} customers of the demo company (5 database systems, 13 tables, and the fine-tuning files: 1 JSONL, 1 Parquet; seed 20261205) and ${f.erasures.toLocaleString('en')} erasure requests ` +
      `(GDPR, demo policy) carried to "approved" through the request service; every run on fresh clones of the same templates. ` +
      `Workers are real \`jobs/worker.ts\` processes, erasure concurrency 1 each (\`LETHE_JOB_CONCURRENCY=erasure=1\`); the whole job: discovery, values, plan, ` +
      `13 steps, verification scan, certificate PDF, close, audit entries. Rounds interleaved (${counts.join(', ')} workers, again …), median of ${f.rounds}.`,
    '',
    `| workers | requests/s (median) | runs | × ${counts[0]} worker (per round) | CPU per erasure: workers / the run's PostgreSQL backends (whole server) / Redis | machine busy | active backends: on CPU / advisory lock / row locks / WAL + I/O / other |`,
    '| ---: | ---: | --- | --- | --- | ---: | --- |',
    ...rows,
    '',
    `Every run: no failed job attempt, ${f.runs.reduce((s, r) => s + r.deadlocks, 0)} deadlocks (pg_stat_database), the audit chain verifies, and the data is identical to the first ` +
      `${counts[0]}-worker run (${Object.keys(f.runs[0].digest).length} digests: every system table, the fine-tuning chats (bytes) and snapshot (rows in order), every request's status/outcome/step counts, the audit log's ` +
      `(actor, action, request) multiset). Statuses: ${JSON.stringify(f.runs[0].statuses)}.`,
    `Where the ceiling is: one erasure costs ${cpuPer.toFixed(0)} ms of CPU (workers + PostgreSQL + Redis) and ${wallPer.toFixed(0)} ms of wall time with one worker, ` +
      `so ${os.availableParallelism()} cores allow at most ${((os.availableParallelism() * wallPer) / cpuPer).toFixed(2)} × one worker. ` +
      `The audit chain's serialized section: ${entries.toFixed(1)} entries per erasure × ${appendMs.toFixed(2)} ms per append (lock → head → HMAC → insert → commit) ` +
      `= ${serialized.toFixed(1)} ms, ${pct(serialized / wallPer)} of an erasure (Amdahl: ≤ ${(wallPer / serialized).toFixed(0)} ×). ` +
      (two === null
        ? ''
        : `Target 2 workers ≥ ${TARGET} × one: ${two >= TARGET ? '✅ met' : '❌ not met'} (${two.toFixed(2)} ×, the median of the ` +
          `per-round ratios; the ratio of the median rates is ${(m(2, (r) => r.perSecond) / m(counts[0], (r) => r.perSecond)).toFixed(2)} ×, ` +
          `the lowest round ${Math.min(...ratios(2)).toFixed(2)} ×).`),
    END,
  ];
}

export function printAndWrite(file: string, write: boolean, f: ParallelFigures): void {
  const lines = parallelLines(f);
  console.log(lines.join('\n'));
  if (!write) return;
  const text = fs.readFileSync(file, 'utf8');
  const block = lines.join('\n');
  const start = text.indexOf(START.slice(0, START.indexOf(' (')));
  const end = text.indexOf(END);
  let next: string;
  if (start >= 0 && end > start) next = text.slice(0, start) + block + text.slice(end + END.length);
  else {
    // A new subsection at the end of "## Scale (issue 21)".
    const scale = text.indexOf('## Scale (issue 21)');
    if (scale < 0) throw new Error('BENCHMARKS.md has no "## Scale (issue 21)" section');
    const after = text.indexOf('\n## ', scale + 3);
    const at = after < 0 ? text.length : after + 1;
    const head = text.slice(0, at).replace(/\n*$/, '\n\n');
    next = `${head}### Erasures in parallel (\`npm run bench -- erasure-parallel\`)\n\n${block}\n${after < 0 ? '' : '\n' + text.slice(at)}`;
  }
  fs.writeFileSync(file, next);
}

// A subject erased from a ~1 GB JSONL fine-tuning file (issue 20): Lethe's files engine (streamed
// rewrite keeping every other line's bytes, fsync, rename, manifest) against DuckDB writing the same
// file without the subject's rows (`COPY (SELECT * FROM read_json(…) WHERE NOT …) TO …`). Each side
// runs in its own process on a fresh copy (wall time, CPU time and peak RSS), alternating which goes
// first; the median of RUNS runs is reported. The generated file is cached in the temp directory
// (FILES_BENCH_DIR), never in the repository. Target: Lethe ≤ 2 × DuckDB.
// Both sides' times stop before the row-count check. CPU time and peak RSS are the whole process's
// (Node, tsx and the DuckDB library loaded on both sides).
import { spawnSync } from 'node:child_process';

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MB = Number(process.env.FILES_BENCH_MB ?? 1024);
const RUNS = Number(process.env.FILES_BENCH_RUNS ?? 3);
const USERS = 200_000;
const SUBJECT = 'user777@example.com';
const cache = process.env.FILES_BENCH_DIR ?? path.join(os.tmpdir(), 'lethe-bench-files');
const here = path.dirname(fileURLToPath(import.meta.url));

/** A deterministic JSONL file of about MB megabytes: prompts and completions, one user's email per line. */
function generate(file: string): { rows: number; subjectRows: number } {
  const meta = file + '.meta.json';
  if (fs.existsSync(file) && fs.existsSync(meta)) return JSON.parse(fs.readFileSync(meta, 'utf8'));
  const fd = fs.openSync(file + '.part', 'w');
  const words =
    'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part'.split(
      ' ',
    );
  let x = 20261201;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648), x / 2147483648);
  const sentence = (n: number) => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(' ');
  let bytes = 0;
  let rows = 0;
  let subjectRows = 0;
  const target = MB * 1024 * 1024;
  while (bytes < target) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      // The subject every 50,000 lines (and wherever chance puts them).
      const user = rows % 50_000 === 25_000 ? 777 : Math.floor(rand() * USERS);
      if (`user${user}@example.com` === SUBJECT) subjectRows++;
      lines.push(
        JSON.stringify({
          id: rows++,
          user_email: `user${user}@example.com`,
          prompt: sentence(20),
          completion: sentence(30),
          tokens: 50 + (user % 300),
        }) + '\n',
      );
    }
    const chunk = lines.join('');
    fs.writeSync(fd, chunk);
    bytes += Buffer.byteLength(chunk);
  }
  fs.closeSync(fd);
  fs.renameSync(file + '.part', file);
  const info = { rows, subjectRows };
  fs.writeFileSync(meta, JSON.stringify(info));
  return info;
}

interface Side {
  side: string;
  ms: number;
  /** DuckDB: COPY and then fsync of its output (as durable as Lethe's write); Lethe: ms. */
  syncedMs: number;
  cpuMs: number;
  maxRssMb: number;
  rowsAfter: number;
}

function runSide(side: 'lethe' | 'duckdb', source: string): Side {
  const dir = fs.mkdtempSync(path.join(cache, 'run-'));
  try {
    fs.copyFileSync(source, path.join(dir, 'set.jsonl'));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'erasure-files-side.ts'), side, dir, SUBJECT],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    );
    if (r.status !== 0) throw new Error(`${side} failed: ${r.stderr}`);
    const line = r.stdout.trim().split('\n').pop()!;
    return JSON.parse(line) as Side;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

fs.mkdirSync(cache, { recursive: true });
const source = path.join(cache, `source-${MB}mb.jsonl`);
const t0 = performance.now();
const info = generate(source);
const size = fs.statSync(source).size;
console.log(
  `source ${source}: ${(size / 1024 / 1024).toFixed(0)} MB, ${info.rows.toLocaleString('en')} lines, ${info.subjectRows} of the subject (${((performance.now() - t0) / 1000).toFixed(1)} s to make or find)`,
);
const runs: { lethe: Side; duckdb: Side }[] = [];
for (let i = 0; i < RUNS; i++) {
  const order: ('lethe' | 'duckdb')[] = i % 2 ? ['duckdb', 'lethe'] : ['lethe', 'duckdb'];
  const got: Partial<Record<'lethe' | 'duckdb', Side>> = {};
  for (const side of order) got[side] = runSide(side, source);
  const run = got as { lethe: Side; duckdb: Side };
  if (run.lethe.rowsAfter !== info.rows - info.subjectRows || run.duckdb.rowsAfter !== run.lethe.rowsAfter)
    throw new Error(
      `row counts differ: lethe ${run.lethe.rowsAfter}, duckdb ${run.duckdb.rowsAfter}, expected ${info.rows - info.subjectRows}`,
    );
  runs.push(run);
  console.log(
    `run ${i + 1}: lethe ${(run.lethe.ms / 1000).toFixed(2)} s (cpu ${(run.lethe.cpuMs / 1000).toFixed(2)} s, rss ${run.lethe.maxRssMb.toFixed(0)} MB), duckdb ${(run.duckdb.ms / 1000).toFixed(2)} s (cpu ${(run.duckdb.cpuMs / 1000).toFixed(2)} s, rss ${run.duckdb.maxRssMb.toFixed(0)} MB), ratio ${(run.lethe.ms / run.duckdb.ms).toFixed(2)} × (${(run.lethe.ms / run.duckdb.syncedMs).toFixed(2)} × against COPY + fsync, ${(run.duckdb.syncedMs / 1000).toFixed(2)} s)`,
  );
}
const m = (side: 'lethe' | 'duckdb', k: 'ms' | 'syncedMs' | 'cpuMs' | 'maxRssMb') =>
  median(runs.map((r) => r[side][k]));
console.log(
  `\nload ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ${os.cpus().length} cores, Node ${process.version}`,
);
console.log('| side | wall (median) | CPU (median) | peak RSS (median) |');
console.log('| --- | --- | --- | --- |');
for (const side of ['lethe', 'duckdb'] as const)
  console.log(
    `| ${side === 'lethe' ? 'Lethe files engine' : 'DuckDB COPY … WHERE NOT'} | ${(m(side, 'ms') / 1000).toFixed(2)} s | ${(m(side, 'cpuMs') / 1000).toFixed(2)} s | ${m(side, 'maxRssMb').toFixed(0)} MB |`,
  );
console.log(
  `DuckDB COPY + fsync of its output (median): ${(m('duckdb', 'syncedMs') / 1000).toFixed(2)} s; ratio ${median(runs.map((r) => r.lethe.ms / r.duckdb.syncedMs)).toFixed(2)} ×`,
);
console.log(
  `ratio (wall, median of per-run ratios): ${median(runs.map((r) => r.lethe.ms / r.duckdb.ms)).toFixed(2)} × (runs ${runs.map((r) => (r.lethe.ms / r.duckdb.ms).toFixed(2)).join(', ')}); CPU ratio ${median(runs.map((r) => r.lethe.cpuMs / r.duckdb.cpuMs)).toFixed(2)} ×; target ≤ 2 ×`,
);

// CLI start-up (issue 21): `lethe --help` and `lethe reid` on the 1,000,000-row benchmark CSV,
// each as a whole process through bin/lethe.mjs, compiled build (dist/) and sources (tsx) side by
// side in one run, median of 3 (wall seconds and peak RSS from /usr/bin/time).
// Targets: --help ≤ 0.3 s; reid ≤ 2.5 s end to end and ≤ 300 MB. Run `npm run build` first.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REID_BENCH_QUASI, REID_BENCH_SENSITIVE, writeBenchCsv } from './reid-generate';

const ROWS = Number(process.env.REID_BENCH_ROWS ?? 1_000_000);
const SEED = 20261128;
const RUNS = 3;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const csvPath = path.join(here, '.data', `reid-${ROWS}-${SEED}.csv`);
const bin = path.join(root, 'bin', 'lethe.mjs');

function once(args: string[], sources: boolean, program = [bin]): { s: number; mb: number; code: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'LETHE_TIME %e %M', process.execPath, ...program, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LETHE_USE_SOURCES: sources ? '1' : '0' },
    maxBuffer: 1 << 26,
  });
  const m = /LETHE_TIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing for lethe ${args.join(' ')}: ${r.stderr.slice(-500)}`);
  return { s: Number(m[1]), mb: Math.round(Number(m[2]) / 1024), code: r.status ?? -1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!fs.existsSync(csvPath)) {
  fs.mkdirSync(path.dirname(csvPath), { recursive: true });
  await writeBenchCsv(csvPath + '.tmp', ROWS, SEED);
  fs.renameSync(csvPath + '.tmp', csvPath);
}
const built =
  spawnSync(process.execPath, [
    '-e',
    `import('${path.join(root, 'scripts', 'build-stamp.mjs')}').then(m => process.exit(m.distIsCurrent() ? 0 : 1))`,
  ]).status === 0;
if (!built) console.log('dist/ is missing or stale: the "compiled" rows below ran the sources too (npm run build)');

const cases: [string, string[]][] = [
  ['lethe --help', ['--help']],
  [
    `lethe reid (${ROWS.toLocaleString('en')} rows)`,
    [
      'reid',
      '--file',
      csvPath,
      '--quasi',
      REID_BENCH_QUASI.join(','),
      '--sensitive',
      REID_BENCH_SENSITIVE.join(','),
      '--json',
    ],
  ],
];
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log('| command | build | wall s (median of 3) | min–max | peak RSS MB | exit |');
console.log('| --- | --- | --- | --- | --- | --- |');
// The floor: Node itself starting and exiting, on this machine under this load.
const floor = [once([], false, ['-e', '0']), once([], false, ['-e', '0']), once([], false, ['-e', '0'])];
console.log(
  `| node -e 0 (Node's own start-up) | — | ${median(floor.map((r) => r.s)).toFixed(2)} | | ${median(floor.map((r) => r.mb))} | 0 |`,
);
for (const [name, args] of cases) {
  const rows: Record<string, { s: number; mb: number; code: number }[]> = { compiled: [], sources: [] };
  once(args, false); // warm-up (file cache)
  for (let i = 0; i < RUNS; i++) {
    rows.compiled.push(once(args, false));
    rows.sources.push(once(args, true));
  }
  for (const [kind, runs] of Object.entries(rows)) {
    const s = runs.map((r) => r.s);
    console.log(
      `| ${name} | ${kind} | ${median(s).toFixed(2)} | ${Math.min(...s).toFixed(2)}–${Math.max(...s).toFixed(2)} | ${median(runs.map((r) => r.mb))} | ${[...new Set(runs.map((r) => r.code))].join(',')} |`,
    );
  }
}
console.log(
  `load average after: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

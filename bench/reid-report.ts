// Writes the re-identification figures into BENCHMARKS.md between its own markers, leaving every
// other section of the file as it is (other benchmarks write their own).
import fs from 'node:fs';

interface CsvFigures {
  ms: number;
  cpuMs: number;
  peakRssMb: number;
  baselineRssMb: number;
  classes: number;
  runs: number[];
}

export interface BenchFigures {
  rows: number;
  seed: number;
  fileMb: number;
  machine: { cpus: number; cpu: string; memoryGb: number; node: string; load: [number, number] | number[] };
  csvWorst: CsvFigures;
  csvCoarse: CsvFigures;
  postgres:
    | { skipped: string }
    | {
        version: string;
        loadMs: number;
        bareMs: number;
        bareQuasiMs: number;
        serverMs: number;
        bareWorkMemMs: number;
        oursMs: number;
        oursCpuMs: number;
        oursPeakRssMb: number;
        classes: number;
        runs: { bare: number[]; ours: number[] };
      };
}

const START = '<!-- reid-bench:start (written by bench/reid.bench.ts) -->';
const END = '<!-- reid-bench:end -->';

export function writeReidSection(file: string, f: BenchFigures): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const verdict = (ok: boolean) => (ok ? '✅ met' : '❌ missed');
  const n = f.rows.toLocaleString('en');
  const lines = [
    'Run with `npm run bench -- reid`. The CSV is read in one streaming pass by a byte-level parser, class keys interned',
    'as raw bytes (no string per row); the table source pushes one `GROUP BY` down and reads its groups as CSV through',
    '`COPY … TO STDOUT` into the same reader. Measured and dropped: a worker thread counting half of the file (identical',
    'results, but merging the halves ate most of the gain and the peak rose to ~290 MB) and a hash-partitioned',
    '`UNION ALL` of the GROUP BY to overlap Postgres and Node (slower on two cores).',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${f.machine.cpus} × ${f.machine.cpu}, ${f.machine.memoryGb} GB RAM, Node ${f.machine.node}; ` +
      `load average ${f.machine.load.map((x) => x.toFixed(1)).join(' → ')}` +
      (Math.max(...f.machine.load) > 1 ? ' (other work was running on the machine: timings are noisy).' : '.'),
    `Data: ${n} rows (seed ${f.seed}, ${f.fileMb} MB CSV) from \`bench/reid-generate.ts\`; medians of 3 runs, each in its own process.`,
    '',
    '| scenario | classes | wall time | CPU time (Node) | peak RSS | target |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    `| CSV, 8 QIs (age, sex, ZIP, …) + 2 sensitive: worst case | ${f.csvWorst.classes.toLocaleString('en')} | ${s(f.csvWorst.ms)} | ${s(f.csvWorst.cpuMs)} | ${f.csvWorst.peakRssMb} MB | ≤ 3 s, ≤ 300 MB: ${verdict(f.csvWorst.ms <= 3000 && f.csvWorst.peakRssMb <= 300)} |`,
    `| CSV, 3 QIs (age, sex, education) + 2 sensitive | ${f.csvCoarse.classes.toLocaleString('en')} | ${s(f.csvCoarse.ms)} | ${s(f.csvCoarse.cpuMs)} | ${f.csvCoarse.peakRssMb} MB | ≤ 3 s, ≤ 300 MB: ${verdict(f.csvCoarse.ms <= 3000 && f.csvCoarse.peakRssMb <= 300)} |`,
  ];
  const pg = f.postgres;
  if ('skipped' in pg) {
    lines.push('', `Postgres part skipped: ${pg.skipped}.`);
  } else {
    const ratio = pg.oursMs / pg.bareMs;
    lines.push(
      `| Postgres table, 8 QIs + 2 sensitive (\`analyseTable\`) | ${pg.classes.toLocaleString('en')} | ${s(pg.oursMs)} | ${s(pg.oursCpuMs)} | ${pg.oursPeakRssMb} MB | ≤ 1.5 × bare GROUP BY: ${ratio.toFixed(2)} × ${verdict(ratio <= 1.5)} |`,
      '',
      `Postgres ${pg.version}, default settings (work_mem 4MB); rows loaded with \`\\copy\` in ${s(pg.loadMs)}. The bare GROUP BY is the query`,
      '`analyseTable` pushes down, run by psql with its groups discarded (`COPY (SELECT …, count(*) … GROUP BY …) TO STDOUT > /dev/null`).',
      '`analyseTable` runs it with `SET LOCAL work_mem = 64MB` (Postgres then hashes the groups instead of sorting them on disk);',
      'the second row gives the bare query the same setting, for an honest view of what the Node side adds:',
      '',
      '| bare query | time | analyseTable ÷ it |',
      '| --- | ---: | ---: |',
      `| GROUP BY 8 QIs + 2 sensitive, psql, output discarded (the target's baseline) | ${s(pg.bareMs)} | ${ratio.toFixed(2)} |`,
      `| same, with work_mem 64MB like analyseTable | ${s(pg.bareWorkMemMs)} | ${(pg.oursMs / pg.bareWorkMemMs).toFixed(2)} |`,
      `| same, server execution only (EXPLAIN ANALYZE, no transfer) | ${s(pg.serverMs)} | ${(pg.oursMs / pg.serverMs).toFixed(2)} |`,
      `| GROUP BY the 8 QIs only, psql, output discarded | ${s(pg.bareQuasiMs)} | ${(pg.oursMs / pg.bareQuasiMs).toFixed(2)} |`,
    );
  }
  lines.push(
    '',
    `Individual runs (ms): CSV worst ${f.csvWorst.runs.join(', ')}; CSV coarse ${f.csvCoarse.runs.join(', ')}` +
      ('skipped' in pg
        ? '.'
        : `; table ${pg.runs.ours.map(Math.round).join(', ')}; bare ${pg.runs.bare.map(Math.round).join(', ')}.`),
    `Peak RSS is the whole measuring process (Node + tsx alone: ${f.csvWorst.baselineRssMb} MB before the analysis starts).`,
  );
  const section = `${START}\n${lines.join('\n')}\n${END}`;
  const intro = '## Re-identification\n\n';
  let text = fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8')
    : '# Benchmarks\n\nFigures measured by `npm run bench`; each section is written by its benchmark.\n';
  const heading = text.indexOf(intro);
  if (heading >= 0 && text.includes(END)) {
    // The section is ours from its heading to the end marker: rewrite it whole.
    text = text.slice(0, heading) + intro + section + text.slice(text.indexOf(END) + END.length);
  } else {
    text = text.trimEnd() + '\n\n' + intro + section + '\n';
  }
  fs.writeFileSync(file, text);
  return lines;
}

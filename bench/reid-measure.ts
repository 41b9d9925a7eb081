// One measured analysis, run as its own process by reid.bench.ts so its peak RSS is its own:
//   node --import tsx bench/reid-measure.ts '<json config>'
// prints one JSON line: wall and CPU time of the analysis (CPU time includes V8's GC threads and
// shows the cost when other work on the machine inflates the wall time), peak RSS, RSS before it started.
import { createDb } from '../server/db/knex';
import { analyseCsv, analyseTable } from '../server/reid/analyse';
import { applyPolicy, DEFAULT_THRESHOLDS } from '../server/reid/thresholds';

interface Config {
  mode: 'csv' | 'table';
  file?: string;
  url?: string;
  table?: string;
  quasi: string[];
  sensitive: string[];
}

const config = JSON.parse(process.argv[2]) as Config;
const options = { quasi: config.quasi, sensitive: config.sensitive, policy: applyPolicy(DEFAULT_THRESHOLDS, null) };
const mb = (kb: number) => Math.round(kb / 1024);
const baselineRss = mb(process.resourceUsage().maxRSS);

let ms: number;
const cpuStart = process.cpuUsage();
let records = 0;
let classes = 0;
if (config.mode === 'csv') {
  const t = performance.now();
  const o = await analyseCsv({ file: config.file }, options);
  ms = performance.now() - t;
  records = o.records;
  classes = o.equivalenceClasses;
} else {
  const db = createDb(config.url!, 3);
  await db.raw('SELECT 1'); // connect outside the timing
  const t = performance.now();
  const o = await analyseTable(db, config.table!, options);
  records = o.records;
  classes = o.equivalenceClasses;
  ms = performance.now() - t;
  await db.destroy();
}
const cpu = process.cpuUsage(cpuStart);
const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
console.log(
  JSON.stringify({
    ms: Math.round(ms),
    cpuMs,
    peakRssMb: mb(process.resourceUsage().maxRSS),
    baselineRssMb: baselineRss,
    records,
    classes,
  }),
);

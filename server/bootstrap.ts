// Builds a process's dependencies from its configuration. Used by every entry point (web,
// worker, scheduler, all-in-one, CLI) and by tests with their own database and Redis prefix.
import type { Knex } from 'knex';
import { loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { createDb } from './db/knex';
import { migrateLatest } from './db/migrate';
import { resolveDatabaseUrl } from './db/embedded';
import { createCrypto } from './crypto';
import { createAuditLog } from './audit-log/service';
import { createPolicyRuntime, type PolicyRuntime } from './policy-runtime/service';
import { createAuthService } from './auth/service';
import { createQueues } from '../jobs/queues';
import { createMailer } from './notify/mailer';
import type { Deps } from './deps';
import { createJobQueue } from './job-queue';
import { setDuckdbThreads } from './erasure/files/duckdb';

export interface BuildOptions {
  databaseUrl: string;
  logger?: Logger;
  migrate?: boolean;
  /** Shown beside this process's bundle on /readyz and the admin page. */
  role?: string;
}

export async function buildDeps(config: Config, opts: BuildOptions): Promise<Deps> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  setDuckdbThreads(config.duckdbThreads);
  const db = createDb(opts.databaseUrl);
  // The queue backend (BullMQ's schema check on PostgreSQL, or a Redis connection) is set up beside
  // Lethe's migrations and policy bundle: they share nothing, and each is several round trips.
  const queuesReady = createQueues(
    config.redisUrl
      ? { kind: 'redis', url: config.redisUrl, prefix: config.queuePrefix }
      : { kind: 'postgres', url: opts.databaseUrl },
  );
  queuesReady.catch(() => {}); // awaited below
  const crypto = createCrypto(config.secretKey, config.secretKeyring);
  let policies: PolicyRuntime;
  try {
    if (opts.migrate !== false) await migrate(config, db, logger);
    policies = await createPolicyRuntime(db, config.policiesDir, logger, {
      role: opts.role ?? 'process',
      databaseUrl: opts.databaseUrl,
      pollMs: config.policyPollMs,
      cacheKey: crypto.key('policy-cache'),
    });
  } catch (e) {
    await queuesReady.then((q) => q.close()).catch(() => {});
    throw e;
  }
  const audit = createAuditLog(db, () => policies.hash(), { crypto, checkpointEvery: config.auditCheckpointEvery });
  const auth = createAuthService({ db, crypto, audit, policies });
  const queues = await queuesReady;
  const mailer = createMailer(config, logger);
  const jobs = createJobQueue(queues, () => policies.hash());
  return { config, databaseUrl: opts.databaseUrl, db, logger, crypto, audit, policies, auth, queues, jobs, mailer };
}

async function migrate(config: Config, db: Knex, logger: Logger): Promise<void> {
  // With a restricted application role (README "Database roles"), the owner migrates.
  const owner = config.migrationDatabaseUrl ? createDb(config.migrationDatabaseUrl, 1) : db;
  try {
    const applied = await migrateLatest(owner);
    if (applied.length) logger.info({ event: 'db.migrated', applied }, `applied ${applied.length} migrations`);
  } finally {
    if (owner !== db) await owner.destroy();
  }
}

export async function bootstrap(opts: { role: string; env?: NodeJS.ProcessEnv }): Promise<Deps> {
  const config = loadConfig(opts.env);
  const logger = createLogger(config.logLevel, `lethe-${opts.role}`);
  const databaseUrl = await resolveDatabaseUrl(config, logger);
  return buildDeps(config, { databaseUrl, logger, role: opts.role });
}

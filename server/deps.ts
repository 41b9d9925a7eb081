// Everything the web app, the worker and the scheduler need, built once per process (see
// server/bootstrap.ts) and passed in: nothing is created at import time.
import type { Knex } from 'knex';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Crypto } from './crypto';
import type { AuditLog } from './audit-log/service';
import type { PolicyRuntime } from './policy-runtime/service';
import type { AuthService } from './auth/service';
import type { JobQueue, Queues } from './job-queue';
import type { Mailer } from './notify/mailer';

export interface Deps {
  config: Config;
  /** Lethe's own database (the demo seed creates the demo systems beside it). */
  databaseUrl: string;
  db: Knex;
  logger: Logger;
  crypto: Crypto;
  audit: AuditLog;
  policies: PolicyRuntime;
  auth: AuthService;
  queues: Queues;
  /** Services enqueue work here (never through jobs/). */
  jobs: JobQueue;
  mailer: Mailer;
}

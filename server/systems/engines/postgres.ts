// PostgreSQL, as the engine always ran it: knex over pg, introspection from information_schema and
// pg_index/pg_constraint (server/erasure/schema.ts), the original SQL (postgresDialect).
import knexFactory from 'knex';
import { postgresDialect } from '../../erasure/dialect';
import { introspect } from '../../erasure/schema';
import type { DataEngine } from './types';

export const quiet = { warn() {}, error() {}, debug() {}, deprecate() {} };

export const postgresEngine: DataEngine = {
  name: 'postgres',
  schemes: ['postgres:', 'postgresql:'],
  dialect: postgresDialect,
  reidPushDown: true,
  open(url, opts) {
    const connection = {
      connectionString: url,
      application_name: opts.applicationName,
      lock_timeout: Math.max(1, Math.floor(opts.lockTimeoutMs)),
      ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}),
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    };
    return knexFactory({
      client: 'pg',
      connection,
      pool: { min: 0, max: opts.poolMax },
      ...(opts.connectTimeoutMs ? { acquireConnectionTimeout: opts.connectTimeoutMs } : {}),
      log: quiet,
    });
  },
  introspect,
};

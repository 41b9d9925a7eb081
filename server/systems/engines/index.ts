// The engines Lethe reaches, by the data map's `engine:` name (types.ts describes the interface).
import type { DataSystem } from '../../policies/types';
import { ErasureConfigError } from '../../erasure/errors';
import { mysqlEngine } from './mysql';
import { postgresEngine } from './postgres';
import type { DataEngine, EngineName } from './types';

export type { DataEngine, EngineName, PoolOptions } from './types';

export const ENGINES: Record<EngineName, DataEngine> = { postgres: postgresEngine, mysql: mysqlEngine };

/**
 * The SQL engine of a system; a files system has none (its datasets are read by server/erasure/files).
 * `engine: auto` is told by the connection string (`url`): mysql:// or mariadb:// is MySQL/MariaDB,
 * anything else (postgres://, a key=value libpq string) PostgreSQL.
 */
export function engineFor(system: Pick<DataSystem, 'engine'> & { name?: string }, url?: string): DataEngine {
  const name = system.engine ?? 'postgres';
  if (name === 'files')
    throw new ErasureConfigError(`system ${system.name ?? ''}: a files system is not a database (engine: files)`);
  if (name === 'auto') {
    if (url === undefined)
      throw new ErasureConfigError(
        `system ${system.name ?? ''}: engine: auto needs its connection string to tell the engine`,
      );
    return urlFitsEngine(mysqlEngine, url) ? mysqlEngine : postgresEngine;
  }
  return ENGINES[name];
}

/** The connection string's scheme fits the engine (a postgres:// URL for a mysql system is a mistake worth naming). */
export function urlFitsEngine(engine: DataEngine, url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1]?.toLowerCase();
  // A key=value libpq string has no scheme: only Postgres reads those.
  return scheme ? engine.schemes.includes(scheme) : engine.name === 'postgres';
}

// The engines Lethe reaches, by the data map's `engine:` name (types.ts describes the interface).
import type { DataSystem } from '../../policies/types';
import { mysqlEngine } from './mysql';
import { postgresEngine } from './postgres';
import type { DataEngine, EngineName } from './types';

export type { DataEngine, EngineName, PoolOptions } from './types';

export const ENGINES: Record<EngineName, DataEngine> = { postgres: postgresEngine, mysql: mysqlEngine };

export function engineFor(system: Pick<DataSystem, 'engine'>): DataEngine {
  return ENGINES[system.engine ?? 'postgres'];
}

/** The connection string's scheme fits the engine (a postgres:// URL for a mysql system is a mistake worth naming). */
export function urlFitsEngine(engine: DataEngine, url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1]?.toLowerCase();
  // A key=value libpq string has no scheme: only Postgres reads those.
  return scheme ? engine.schemes.includes(scheme) : engine.name === 'postgres';
}

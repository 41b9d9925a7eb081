// One small knex pool per registered data system, opened on first use. The connection string comes
// from a resolver (config reads the env var the data map names), so this module never touches
// process.env and tests can point systems at throw-away databases.
import knexFactory, { type Knex } from 'knex';
import type { DataMap, DataSystem } from '../policies/types';
import { introspect, type SchemaInfo } from './schema';
import { ErasureConfigError } from './errors';

export type ResolveUrl = (system: DataSystem) => string | undefined;

export interface Connections {
  get(system: string): Knex;
  /** The system's tables and columns, cached for `schemaTtlMs` (a map drift shows up within that). */
  schema(system: string): Promise<SchemaInfo>;
  destroy(): Promise<void>;
}

export interface ConnectionOptions {
  poolMax?: number;
  schemaTtlMs?: number;
}

export function createConnections(datamap: DataMap, resolveUrl: ResolveUrl, opts: ConnectionOptions = {}): Connections {
  const pools = new Map<string, Knex>();
  const schemas = new Map<string, { at: number; info: Promise<SchemaInfo> }>();
  const ttl = opts.schemaTtlMs ?? 60_000;
  const get = (name: string): Knex => {
    let db = pools.get(name);
    if (db) return db;
    const system = datamap.systems.find((s) => s.name === name);
    if (!system) throw new ErasureConfigError(`system ${name} is not in the data map`);
    const url = resolveUrl(system);
    if (!url) throw new ErasureConfigError(`system ${name}: environment variable ${system.connectionEnv} is not set`);
    db = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: opts.poolMax ?? 2 } });
    pools.set(name, db);
    return db;
  };
  return {
    get,
    schema(name) {
      const hit = schemas.get(name);
      if (hit && Date.now() - hit.at < ttl) return hit.info;
      const info = introspect(get(name));
      info.catch(() => schemas.delete(name));
      schemas.set(name, { at: Date.now(), info });
      return info;
    },
    async destroy() {
      await Promise.all([...pools.values()].map((p) => p.destroy()));
      pools.clear();
      schemas.clear();
    },
  };
}

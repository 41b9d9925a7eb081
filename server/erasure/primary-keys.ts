// Primary keys a data map does not declare (most Fides dataset files have none) are read from the
// live catalog (pg_index, see schema.ts) when a plan is made. A table without any key is addressed by
// `ctid`, its rows' physical position: the limit is that a ctid only holds within one snapshot, so a
// step that needs it (export's ordering, the key of a mention) re-reads the rows in the same
// transaction instead of keeping positions across statements or runs.
import type { DataMap, DatasetDef } from '../policies/types';
import type { Connections } from './connections';
import type { SchemaInfo } from './schema';

export type KeySource = 'declared' | 'database' | 'missing';

/** Where a dataset's key comes from, given the live schema (null: the database was not reached). */
export function keySource(dataset: DatasetDef, schema: SchemaInfo | null): { source: KeySource; columns: string[] } {
  if (dataset.primaryKey.length && !dataset.primaryKeyFrom)
    return { source: 'declared', columns: [...dataset.primaryKey] };
  const live = schema?.get(dataset.name)?.primaryKey ?? [];
  return live.length ? { source: 'database', columns: [...live] } : { source: 'missing', columns: [] };
}

/** A dataset with its key filled in from the database, or `ctid` when the table has none. */
export function resolveKey(dataset: DatasetDef, schema: SchemaInfo): DatasetDef {
  if (dataset.primaryKey.length) return dataset; // declared, or already resolved
  const { source, columns } = keySource(dataset, schema);
  if (source === 'database') return { ...dataset, primaryKey: columns, primaryKeyFrom: 'database' };
  return { ...dataset, primaryKey: ['ctid'], primaryKeyFrom: 'ctid' };
}

/**
 * The map with every undeclared key read from the database. A system whose schema cannot be read is
 * left as it is: the step that needs it reports the connection problem.
 */
export async function withDatabaseKeys(map: DataMap, connections: Connections): Promise<DataMap> {
  if (!map.systems.some((s) => s.engine !== 'files' && s.datasets.some((d) => !d.primaryKey.length))) return map;
  const systems = await Promise.all(
    map.systems.map(async (system) => {
      // Files have no catalog to read keys from: a files dataset's key is the one the map declares.
      if (system.engine === 'files' || !system.datasets.some((d) => !d.primaryKey.length)) return system;
      const schema = await connections.schema(system.name).catch(() => null);
      if (!schema) return system;
      return { ...system, datasets: system.datasets.map((d) => resolveKey(d, schema)) };
    }),
  );
  return { ...map, systems };
}

/** True for the pseudo-key of a keyless table (not a real column: never checked against the schema). */
export const isCtid = (column: string) => column === 'ctid';

// What the erasure engine needs from the registered data systems: a knex handle per system, the SQL
// dialect of its engine and its live schema. The pools themselves (limits, timeouts, shutdown, which
// engine a system runs on) belong to server/systems/connections.ts, which implements this interface;
// the engine only depends on the shape, so it imports nothing from the areas.
import type { Knex } from 'knex';
import type { DataSystem } from '../policies/types';
import type { Dialect } from './dialect';
import type { SchemaInfo } from './schema';

export type ResolveUrl = (system: DataSystem) => string | undefined;

/** Runs `fn` while no other holder of the same key runs (see Connections.exclusive). */
export type Exclusive = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

export interface Connections {
  get(system: string): Knex;
  /** The SQL dialect of the system's engine (the data map's `engine:`). */
  dialect(system: string): Dialect;
  /** engine: files: the system's root directory (absolute), from its variable or `root:` under the data dir. */
  root(system: string): string;
  /** The system's tables and columns, cached for `schemaTtlMs` (a map drift shows up within that). */
  schema(system: string): Promise<SchemaInfo>;
  /**
   * Runs `fn` while no other erasure — in this process, or in another worker sharing Lethe's
   * database when the caller wired it so — rewrites the files under `key` (a files dataset's
   * directory). Two rewrites of one file would each rename their own copy into place, and the later
   * would bring back the subject the earlier had erased.
   */
  exclusive: Exclusive;
  destroy(): Promise<void>;
}

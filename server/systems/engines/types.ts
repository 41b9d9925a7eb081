// The engine interface: what Lethe needs from one kind of data system, implemented once per engine
// (postgres.ts, mysql.ts) and picked by the data map's `engine:` (engineFor in index.ts).
//
// Everything the erasure planner, steps, preview, verification, access export, retention sweep,
// drift check, Systems check and key introspection do goes through three things an engine gives:
//   - `open`: a knex pool with the limits and timeouts asked for (server/systems/connections.ts owns
//     the pools; nobody else calls `open`),
//   - `introspect`: the live tables, columns, primary and (single-column) foreign keys, in the
//     engine-neutral SchemaInfo of server/erasure/schema.ts (types named as Postgres names them, so
//     strategies fit columns the same way on every engine),
//   - `dialect`: the SQL pieces that differ (server/erasure/dialect.ts).
// `reidPushDown` says whether re-identification tests can read a table through the engine's own
// GROUP BY push-down (server/reid/pg-source.ts); an engine without it is refused there with a clear error.
import type { Knex } from 'knex';
import type { Dialect } from '../../erasure/dialect';
import type { SchemaInfo } from '../../erasure/schema';

export type EngineName = 'postgres' | 'mysql';

export interface PoolOptions {
  /** Most connections the pool opens (default 2). */
  poolMax: number;
  /** A statement running longer is cancelled by the server; unset = the server's default. */
  statementTimeoutMs?: number;
  /**
   * How long a statement waits for a row or table lock before failing (transient: the erasure step
   * is retried). Set on every session, so the erasure's steps need no statement of their own for it.
   */
  lockTimeoutMs: number;
  /** Connecting (and waiting for a free connection) gives up after this. */
  connectTimeoutMs?: number;
  /** Shown in the server's process list where the engine supports it. */
  applicationName: string;
}

export interface DataEngine {
  name: EngineName;
  /** URL schemes a connection string for this engine may start with. */
  schemes: string[];
  dialect: Dialect;
  open(url: string, opts: PoolOptions): Knex;
  introspect(db: Knex): Promise<SchemaInfo>;
  reidPushDown: boolean;
}

// Pools to the registered systems kept across the jobs of one process. An erasure used to open its
// own pools to every system and close them when it ended, so every job began on new server backends
// with empty catalog caches: its schema introspection and first statements paid for that on each
// system (measured: the PostgreSQL backends' CPU per erasure fell by a third once pools were kept).
//
// A pool is lent to one borrower at a time, so each job keeps the connections it had before (a pool
// of its own, its limits) and nothing it does waits for another job's connections; a returned pool
// is lent again to the next borrower of the same engine, connection string and options. Its
// connections still close after knex's idle timeout (min 0), and a pool nobody borrowed for `idleMs`
// is destroyed at the next borrow, so a changed connection string leaves nothing open behind it.
import type { Knex } from 'knex';

export interface PoolLoan {
  db: Knex;
  /** Gives the pool back for the next borrower (once; later calls do nothing). */
  release(): void;
}

export interface PoolRegistry {
  /** A free pool opened for `key` earlier, else a new one from `open`. */
  borrow(key: string, open: () => Knex): PoolLoan;
  /** Destroys every pool, lent or free (process shutdown). */
  close(): Promise<void>;
  /** Pools not lent at the moment (for tests). */
  idle(key?: string): number;
}

export function createPoolRegistry(opts: { idleMs?: number; now?: () => number } = {}): PoolRegistry {
  const idleMs = opts.idleMs ?? 10 * 60_000;
  const now = opts.now ?? Date.now;
  const free = new Map<string, { db: Knex; since: number }[]>();
  const all = new Set<Knex>();
  const drop = (db: Knex) => {
    all.delete(db);
    void db.destroy().catch(() => {});
  };
  const sweep = () => {
    for (const [key, pools] of free) {
      const kept = pools.filter((p) => now() - p.since <= idleMs);
      pools.filter((p) => !kept.includes(p)).forEach((p) => drop(p.db));
      if (kept.length) free.set(key, kept);
      else free.delete(key);
    }
  };
  return {
    borrow(key, open) {
      sweep();
      const db = free.get(key)?.pop()?.db ?? open();
      all.add(db);
      let lent = true;
      return {
        db,
        release() {
          if (!lent || !all.has(db)) return;
          lent = false;
          free.set(key, [...(free.get(key) ?? []), { db, since: now() }]);
        },
      };
    },
    async close() {
      const pools = [...all];
      all.clear();
      free.clear();
      await Promise.all(pools.map((db) => db.destroy().catch(() => {})));
    },
    idle: (key) =>
      key === undefined ? [...free.values()].reduce((n, p) => n + p.length, 0) : (free.get(key)?.length ?? 0),
  };
}

// Mutual exclusion across every process sharing Lethe's database: a transaction-scoped PostgreSQL
// advisory lock, held while `fn` runs and released when it ends — or when the process dies, since
// its session goes with it (no stale lock to clean up after a killed worker).
import type { Knex } from 'knex';

type Exclusive = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/** The advisory locks' class (first key) for files-dataset rewrites; the second key is the hashed name. */
export const FILES_LOCK_CLASS = 0x1e7e;

/**
 * `exclusive(key, fn)` across processes. Waiters of one process queue in `local` first, so a process
 * holds at most one of its pool's connections per key while it waits.
 */
export function advisoryExclusive(db: Knex, local: Exclusive): Exclusive {
  return (key, fn) =>
    local(key, () =>
      db.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(?, hashtext(?))', [FILES_LOCK_CLASS, key]);
        return fn();
      }),
    );
}

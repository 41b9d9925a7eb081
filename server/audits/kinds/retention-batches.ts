// How the retention sweep changes rows on a PostgreSQL system: in batches, each its own transaction.
// A batch is a range of heap pages (`ctid >= '(a,0)' AND ctid < '(b,0)'`, a TID range scan) sized
// from the table's density to hold about RETENTION_BATCH rows, so every page is read once: picking
// row ids first (`ctid IN (SELECT ctid … LIMIT n)`) cost a hash and a random-order fetch per row,
// and the sweep ran at 4.85× a bare DELETE (BENCHMARKS.md, "Retention sweep").
// The batches commit without waiting for their WAL to reach disk (synchronous_commit = off, on the
// one connection the sweep holds); a final transaction with synchronous commit flushes them all,
// so when the sweep returns its counts every batch they count is durable. Should the database
// server crash mid-sweep, the last batches may roll back: their rows are still due, the run fails,
// and the next sweep deletes them again; nothing is ever half-applied within a batch.
import type { Knex } from 'knex';

/** About this many rows per batch (the pages per batch follow from the table's density). */
export const RETENTION_BATCH = 5_000;
/** At most this many tuples fit a heap page (MaxHeapTuplesPerPage for 8 kB pages). */
const MAX_TUPLES_PER_PAGE = 291;

export interface BatchResult {
  changed: number;
  batches: number;
}

/**
 * Runs `write(where)` (a DELETE or UPDATE of `table` with that condition) over every row matching
 * `cond`, one range of pages at a time, to the end of the table (re-read at the end, so pages
 * added during the sweep are covered too).
 */
export async function inPageBatches(
  db: Knex,
  table: string,
  cond: Knex.Raw,
  write: (where: Knex.Raw) => Knex.Raw,
): Promise<BatchResult> {
  const conn = await db.client.acquireConnection();
  const on = <T>(q: Knex.Raw<T>) => q.connection(conn);
  let changed = 0;
  let batches = 0;
  try {
    const info = await on(
      db.raw(
        `SELECT c.relkind, c.relpages, c.reltuples,
                pg_relation_size(c.oid) / current_setting('block_size')::int AS blocks
           FROM pg_class c WHERE c.oid = to_regclass(?)`,
        [quoted(table)],
      ),
    );
    const rel = info.rows[0] as { relkind: string; relpages: number; reltuples: number; blocks: string } | undefined;
    if (!rel || rel.relkind !== 'r') return await byRowIds(db, on, table, cond, write);
    // Never analyzed (reltuples -1) or empty: assume the densest pages, so a batch stays bounded.
    const perPage = rel.relpages > 0 && rel.reltuples > 0 ? rel.reltuples / rel.relpages : MAX_TUPLES_PER_PAGE;
    const pages = Math.max(1, Math.floor(RETENTION_BATCH / Math.max(1, perPage)));
    await on(db.raw('SET synchronous_commit = off'));
    let blocks = Number(rel.blocks);
    for (let start = 0; ;) {
      if (start >= blocks) {
        blocks = Number(
          (
            await on(
              db.raw('SELECT pg_relation_size(to_regclass(?)) / current_setting(?)::int AS b', [
                quoted(table),
                'block_size',
              ]),
            )
          ).rows[0].b,
        );
        if (start >= blocks) break;
      }
      const range = db.raw('ctid >= ?::tid AND ctid < ?::tid AND ?', [`(${start},0)`, `(${start + pages},0)`, cond]);
      const res = await on(write(range));
      changed += res.rowCount ?? 0;
      batches++;
      start += pages;
    }
    return { changed, batches };
  } finally {
    await flush(db, on).finally(() => db.client.releaseConnection(conn));
  }
}

/** Makes the asynchronously committed batches durable: a committed transaction with an id, synchronously. */
async function flush(db: Knex, on: <T>(q: Knex.Raw<T>) => Knex.Raw<T>): Promise<void> {
  await on(db.raw('RESET synchronous_commit'));
  await on(db.raw('BEGIN'));
  await on(db.raw('SELECT txid_current()'));
  await on(db.raw('COMMIT'));
}

/** Views and partitioned tables have no pages of their own: batches of row ids, sorted for the fetch. */
async function byRowIds(
  db: Knex,
  on: <T>(q: Knex.Raw<T>) => Knex.Raw<T>,
  table: string,
  cond: Knex.Raw,
  write: (where: Knex.Raw) => Knex.Raw,
): Promise<BatchResult> {
  let changed = 0;
  let batches = 0;
  for (;;) {
    const pick = db.raw('ctid = ANY(ARRAY(SELECT ctid FROM ?? WHERE ? LIMIT ?))', [table, cond, RETENTION_BATCH]);
    const res = await on(write(pick));
    const n = res.rowCount ?? 0;
    changed += n;
    batches++;
    if (n < RETENTION_BATCH) return { changed, batches };
  }
}

/** The name as to_regclass reads it, each part quoted ("schema"."table" as knex's ?? writes it). */
const quoted = (table: string) =>
  table
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');

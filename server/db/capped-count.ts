// A list's pager counts its rows only up to a cap: past it, "more than 10,000" says all a person
// paging through needs, and an exact count of a filter matching a million audit-log entries would
// read every one of them on every page view. Under the cap the count is exact.
import type { Knex } from 'knex';

export const COUNT_CAP = 10_000;

/** The rows `query` selects, counted up to `cap`; `more` when there are more than `cap`. */
export async function cappedCount(
  db: Knex,
  query: Knex.QueryBuilder,
  cap = COUNT_CAP,
): Promise<{ total: number; more: boolean }> {
  const [{ n }] = await cappedCountQuery(db, query, cap);
  const counted = Number(n);
  return counted > cap ? { total: cap, more: true } : { total: counted, more: false };
}

/** The query behind cappedCount (test/db/list-indexes.test.ts checks its plans). */
export const cappedCountQuery = (db: Knex, query: Knex.QueryBuilder, cap = COUNT_CAP) =>
  db
    .from(
      query
        .clone()
        .clearSelect()
        .clearOrder()
        .select(db.raw('1'))
        .limit(cap + 1)
        .as('capped'),
    )
    .count<{ n: string }[]>({ n: '*' });

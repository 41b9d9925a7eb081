// Stored bundle versions for the Policies pages (the store itself is server/policy-runtime/queries.ts).
import type { Knex } from 'knex';
import { bundleHistory, type StoredBundle } from '../policy-runtime';

export async function countBundles(db: Knex): Promise<number> {
  const [{ n }] = await db('policy_bundles').count<{ n: string }[]>({ n: '*' });
  return Number(n);
}

export const historyPage = (db: Knex, limit: number, offset: number) =>
  bundleHistory(db).orderBy('hash').limit(limit).offset(offset);

/** Versions whose hash starts with `prefix` (hex only, so no LIKE wildcards); at most two, enough to tell unique from ambiguous. */
export const bundlesByPrefix = (db: Knex, prefix: string): Promise<StoredBundle[]> =>
  db<StoredBundle>('policy_bundles').where('hash', 'like', `${prefix}%`).orderBy('hash').limit(2).select('*');

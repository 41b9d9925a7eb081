import type { Knex } from 'knex';
import type { BundleFile, PolicyBundle } from '../policies/types';

export interface StoredBundle {
  hash: string;
  files: BundleFile[];
  first_seen_at: Date;
  last_activated_at: Date;
}

export async function storeBundle(db: Knex, bundle: PolicyBundle): Promise<void> {
  await db('policy_bundles')
    .insert({ hash: bundle.hash, files: JSON.stringify(bundle.files) })
    .onConflict('hash')
    .merge({ last_activated_at: db.fn.now() });
}

export const bundleHistory = (db: Knex) =>
  db<StoredBundle>('policy_bundles').orderBy('first_seen_at', 'desc').select('hash', 'first_seen_at', 'last_activated_at');

export const findBundle = (db: Knex, hash: string) => db<StoredBundle>('policy_bundles').where({ hash }).first();

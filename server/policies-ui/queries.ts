// Stored bundle versions for the Policies pages, read through the store's own functions
// (server/policy-runtime owns policy_bundles).
import type { Knex } from 'knex';
import { bundleHistory } from '../policy-runtime';

export { bundlesByPrefix, countBundles } from '../policy-runtime';

export const historyPage = (db: Knex, limit: number, offset: number) =>
  bundleHistory(db).orderBy('hash').limit(limit).offset(offset);

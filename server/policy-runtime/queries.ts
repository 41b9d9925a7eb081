import type { Knex } from 'knex';
import type { BundleFile, PolicyBundle } from '../policies/types';

export interface StoredBundle {
  hash: string;
  files: BundleFile[];
  first_seen_at: Date;
  last_activated_at: Date;
}

export interface ActiveRow {
  id: number;
  hash: string;
  generation: string; // bigint
  activated_by: string;
  activated_at: Date;
  rejected_at: Date | null;
  rejection: unknown;
}

export interface ProcessRow {
  id: string;
  role: string;
  host: string;
  pid: number;
  hash: string;
  problem: string | null;
  started_at: Date;
  seen_at: Date;
}

export async function storeBundle(db: Knex, bundle: PolicyBundle): Promise<void> {
  await db('policy_bundles')
    .insert({ hash: bundle.hash, files: JSON.stringify(bundle.files) })
    .onConflict('hash')
    .merge({ last_activated_at: db.fn.now() });
}

export const activeRow = (db: Knex) => db<ActiveRow>('policy_active').where({ id: 1 }).first();

export const bundleHistory = (db: Knex) =>
  db<StoredBundle>('policy_bundles')
    .orderBy('first_seen_at', 'desc')
    .select('hash', 'first_seen_at', 'last_activated_at');

export const findBundle = (db: Knex, hash: string) => db<StoredBundle>('policy_bundles').where({ hash }).first();

export async function touchProcess(
  db: Knex,
  p: Pick<ProcessRow, 'id' | 'role' | 'host' | 'pid' | 'hash' | 'problem'>,
): Promise<void> {
  await db('policy_processes')
    .insert({ ...p, seen_at: db.fn.now() })
    .onConflict('id')
    .merge({ hash: p.hash, problem: p.problem, seen_at: db.fn.now() });
}

/** Processes seen within `withinMs` (a live process reports at every poll). */
export const liveProcesses = (db: Knex, withinMs: number) =>
  db<ProcessRow>('policy_processes')
    .where('seen_at', '>', db.raw(`now() - (? || ' milliseconds')::interval`, [String(withinMs)]))
    .orderBy([{ column: 'role' }, { column: 'started_at' }]);

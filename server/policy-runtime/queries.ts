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

export async function countBundles(db: Knex): Promise<number> {
  const [{ n }] = await db('policy_bundles').count<{ n: string }[]>({ n: '*' });
  return Number(n);
}

/** Versions whose hash starts with `prefix` (hex only, so no LIKE wildcards); at most two, enough to tell unique from ambiguous. */
export const bundlesByPrefix = (db: Knex, prefix: string): Promise<StoredBundle[]> =>
  db<StoredBundle>('policy_bundles').where('hash', 'like', `${prefix}%`).orderBy('hash').limit(2).select('*');

/** The bundle stored first (the one installed before any activation was approved). */
export const firstInstalledBundle = (db: Knex): Promise<{ hash: string } | undefined> =>
  db('policy_bundles').orderBy('first_seen_at').first('hash');

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

/** A bundle waiting for a second person's approval (access.yaml policy_activation.second_person). */
export interface ActivationRequestRow {
  id: string;
  hash: string;
  requested_by: string;
  created_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  outcome: string | null;
}

/** The newest activation still waiting for a decision, if any. */
export const pendingActivation = (db: Knex) =>
  db<ActivationRequestRow>('policy_activation_requests').whereNull('decided_at').orderBy('created_at', 'desc').first();

/** One activation still waiting for a decision (undefined once decided). */
export const pendingActivationById = (db: Knex, id: string) =>
  db<ActivationRequestRow>('policy_activation_requests').where({ id }).whereNull('decided_at').first();

/** Records the approval; false when another decision came first (approved, or superseded). */
export async function approveActivation(db: Knex, id: string, decidedBy: string): Promise<boolean> {
  const n = await db('policy_activation_requests')
    .where({ id })
    .whereNull('decided_at')
    .update({ decided_at: db.fn.now(), decided_by: decidedBy, outcome: 'approved' });
  return n === 1;
}

/** Approved activations, newest decision first. */
export const approvedActivations = (
  db: Knex,
): Promise<Pick<ActivationRequestRow, 'hash' | 'decided_at' | 'decided_by'>[]> =>
  db('policy_activation_requests')
    .where({ outcome: 'approved' })
    .orderBy('decided_at', 'desc')
    .select('hash', 'decided_at', 'decided_by');

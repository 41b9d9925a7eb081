// Plain knex functions over the use-case tables.
import type { Knex } from 'knex';
import type { Classification } from '../policies/ai-act';
import type { UseCaseStatus } from './commands';

export interface UseCaseRow {
  id: string;
  title: string;
  owner_id: string;
  purpose: string;
  status: UseCaseStatus;
  models: string[];
  data_categories: string[];
  datasets: string[];
  datamap_models: string[];
  personal_data_uses: string[];
  log_retention: string;
  human_oversight: string;
  affected_groups: string;
  regions: string[];
  go_live: Date | string | null;
  answers: Record<string, boolean | string>;
  assessment: { dpia?: Record<string, string>; fria?: Record<string, string> };
  classification: Classification | null;
  tier: string | null;
  role: string | null;
  tier_override: { tier: string; justification: string; by: string; at: string } | null;
  bundle_hash: string | null;
  version: number;
  next_review_at: Date | null;
  created_by: string;
  submitted_by: string | null;
  submitted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface VoteRow {
  id: string;
  use_case_id: string;
  version: number;
  voter: string;
  actor: string;
  vote: 'approve' | 'approve_with_conditions' | 'reject';
  conditions: { text: string; due?: string; ownerId?: string }[];
  comment: string;
  created_at: Date;
}

export interface DecisionRow {
  id: string;
  use_case_id: string;
  version: number;
  outcome: string;
  votes: { voter: string; vote: string; comment: string }[];
  tier: string;
  rules_fired: { name: string; article: string }[];
  bundle_hash: string;
  review_at: Date | null;
  decided_at: Date;
}

export const JSON_COLUMNS = [
  'models',
  'data_categories',
  'datasets',
  'datamap_models',
  'personal_data_uses',
  'regions',
  'answers',
  'assessment',
  'classification',
  'tier_override',
] as const;

/** knex sends JS arrays as Postgres arrays; jsonb columns need JSON text. */
export function jsonPatch(patch: Partial<UseCaseRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...patch };
  for (const k of JSON_COLUMNS) if (k in out && out[k] !== null) out[k] = JSON.stringify(out[k]);
  return out;
}

export const useCaseById = (db: Knex, id: string) => db<UseCaseRow>('use_cases').where({ id }).first();
export const votesOf = (db: Knex, id: string, version: number) =>
  db<VoteRow>('use_case_votes').where({ use_case_id: id, version }).orderBy('id');
export const reviewersOf = (db: Knex, id: string) =>
  db('use_case_reviewers as r')
    .join('users as u', 'u.id', 'r.user_id')
    .where('r.use_case_id', id)
    .orderBy('u.display_name')
    .select('u.id', 'u.display_name', 'u.role');
export const decisionsOf = (db: Knex, id: string) =>
  db<DecisionRow>('use_case_decisions').where({ use_case_id: id }).orderBy('decided_at', 'desc');
export const conditionsOf = (db: Knex, id: string) =>
  db('use_case_conditions as c')
    .join('users as u', 'u.id', 'c.owner_id')
    .where('c.use_case_id', id)
    .orderBy('c.due_on')
    .select('c.*', 'u.display_name as owner_name');
export const triggersOf = (db: Knex, id: string) =>
  db('use_case_triggers').where({ use_case_id: id }).orderBy('created_at', 'desc').limit(50);
export const versionsOf = (db: Knex, id: string) =>
  db('use_case_versions').where({ use_case_id: id }).orderBy('version', 'desc');

export const SORTS = {
  title: 'use_cases.title',
  status: 'use_cases.status',
  tier: 'use_cases.tier',
  owner: 'users.display_name',
  review: 'use_cases.next_review_at',
  updated: 'use_cases.updated_at',
} as const;
export type SortKey = keyof typeof SORTS;

export interface ListFilter {
  q?: string;
  tier?: string;
  status?: string;
  owner?: string;
  /** "overdue": next review date passed; "90d": due within 90 days. */
  review?: 'overdue' | '90d';
}

export function listQuery(db: Knex, f: ListFilter) {
  const q = db('use_cases').join('users', 'users.id', 'use_cases.owner_id');
  if (f.q) q.where((w) => w.whereILike('use_cases.title', `%${f.q}%`).orWhereILike('use_cases.purpose', `%${f.q}%`));
  if (f.tier) q.where('use_cases.tier', f.tier);
  if (f.status) q.where('use_cases.status', f.status);
  if (f.owner) q.where('use_cases.owner_id', f.owner);
  if (f.review === 'overdue') q.where('use_cases.next_review_at', '<=', db.fn.now());
  if (f.review === '90d') q.whereRaw(`use_cases.next_review_at <= now() + interval '90 days'`);
  return q;
}

import type { Knex } from 'knex';
import { OPEN_STATUSES, type RequestStatus } from './status';

export type { RequestStatus } from './status';

export interface RequestRow {
  id: string;
  type: 'erasure' | 'access';
  regulation: 'gdpr' | 'ccpa' | 'lgpd';
  status: RequestStatus;
  identity_enc: string | null;
  discovered_enc: string | null;
  /** Every identity value held in the subject's rows before the first step (issue 8), for verification. */
  subject_values_enc: string | null;
  /** The officer's decisions on values other people's rows hold too (server/requests/shared-values.ts). */
  shared_decisions_enc: string | null;
  identity_index: string;
  identity_kinds: string[];
  reference: string;
  duplicate_of: string | null;
  submitted_by: string;
  received_at: Date;
  due_at: Date;
  ack_due_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  extended_at: Date | null;
  extension_reason: string | null;
  verification_method: string | null;
  verification_evidence_enc: string | null;
  verified_by: string | null;
  verified_at: Date | null;
  decided_by: string | null;
  decided_at: Date | null;
  denial_reason: string | null;
  hold: string | null;
  /** The officer handling it (users.id), or null: nobody yet (issue 19). */
  assignee_id: string | null;
  bundle_hash: string | null;
  progress_done: number;
  progress_total: number;
  progress_label: string;
  outcome: Record<string, unknown> | null;
  last_error: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface StepRow {
  request_id: string;
  step_key: string;
  position: number;
  system: string;
  dataset: string;
  status: 'pending' | 'done';
  rows_affected: number;
  rows_kept: number;
  details: Record<string, unknown>;
  applied_count: number;
  done_at: Date | null;
}

export const requestById = (db: Knex, id: string) => db<RequestRow>('requests').where({ id }).first();

export const openDuplicate = (db: Knex, identityIndexes: string[]) =>
  db<RequestRow>('requests')
    .whereIn('identity_index', identityIndexes)
    .whereIn('status', OPEN_STATUSES)
    .orderBy('received_at')
    .first('id');

/** Moves a request from one of `from` to `to` atomically; returns the row, or undefined if its status had moved on. */
export async function transition(
  db: Knex,
  id: string,
  from: readonly RequestStatus[],
  patch: Partial<RequestRow> & { status: RequestStatus },
) {
  const [row] = await db<RequestRow>('requests')
    .where({ id })
    .whereIn('status', from)
    .update({ ...patch, updated_at: db.fn.now() } as never)
    .returning('*');
  return row as RequestRow | undefined;
}

export const stepsOf = (db: Knex, id: string) =>
  db<StepRow>('request_steps').where({ request_id: id }).orderBy('position');

export interface ListFilter {
  status?: string;
  type?: string;
  regulation?: string;
}

export function listQuery(db: Knex, f: ListFilter) {
  const q = db<RequestRow>('requests');
  if (f.status === 'open') q.whereIn('status', OPEN_STATUSES);
  else if (f.status) q.where('status', f.status);
  if (f.type) q.where('type', f.type);
  if (f.regulation) q.where('regulation', f.regulation);
  return q;
}

export const LIST_SORTS = { due: 'due_at', received: 'received_at', status: 'status' } as const;

/** One page of the request list (test/db/list-indexes.test.ts checks its plans use indexes). */
export const listPage = (
  db: Knex,
  f: ListFilter,
  sort: keyof typeof LIST_SORTS,
  dir: 'asc' | 'desc',
  limit: number,
  offset: number,
) => listQuery(db, f).orderBy(LIST_SORTS[sort], dir).orderBy('id').limit(limit).offset(offset);

/** Stored files of a request; the two package formats hold the subject's data and are encrypted at rest. */
export type ArtefactKind = 'certificate' | 'supplement' | 'export' | 'export_zip';
/** How long an access package can be downloaded before it is deleted. */
export const EXPORT_RETENTION_DAYS = 30;

export const PACKAGE_KINDS = ['export', 'export_zip'] as const;

export const artefact = (db: Knex, requestId: string, kind: ArtefactKind) =>
  db('request_artefacts').where({ request_id: requestId, kind }).first();

/** Figures since `since`: requests received, closed, the median days to close, deadlines missed. */
export async function requestStatistics(
  db: Knex,
  since: Date,
): Promise<{ received: number; closed: number; medianDays: number | null; late: number }> {
  const { rows } = await db.raw<{
    rows: { received: string; closed: string; median: string | null; late: string }[];
  }>(
    `SELECT count(*) FILTER (WHERE received_at >= ?) AS received,
            count(*) FILTER (WHERE completed_at >= ?) AS closed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - received_at) / 86400) FILTER (WHERE completed_at >= ?) AS median,
            count(*) FILTER (WHERE due_at >= ? AND due_at < now() AND coalesce(completed_at, now()) > due_at) AS late
       FROM requests`,
    [since, since, since, since],
  );
  const r = rows[0];
  return {
    received: Number(r.received),
    closed: Number(r.closed),
    medianDays: r.median === null ? null : Number(r.median),
    late: Number(r.late),
  };
}

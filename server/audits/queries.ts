// Reading findings and runs: filters, three sort orders, keyset (cursor) pagination.
import type { Knex } from 'knex';
import { z } from 'zod';
import { AUDIT_KINDS } from '../policies/audit-kinds';
import { FINDING_STATUSES, SEVERITIES } from './types';
import type { FindingRow } from './findings';
import type { AuditRunRow } from './runs';

// An empty form field is no filter; anything else must be valid (its own message, not a union's).
const optional = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === '' ? undefined : v), s.optional());

export const FINDING_SORTS = ['severity', 'last_seen', 'first_seen'] as const;
export const findingFilterSchema = z.object({
  severity: optional(z.enum(SEVERITIES, 'Choose a severity')),
  status: optional(z.enum([...FINDING_STATUSES, 'active', 'all'], 'Choose a status')).default('active'),
  kind: optional(z.enum(AUDIT_KINDS, 'Choose an audit kind')),
  owner: optional(z.union([z.uuid(), z.enum(['none'])], 'Choose an owner')),
  sort: optional(z.enum(FINDING_SORTS, 'Choose a sort order')).default('severity'),
  cursor: optional(z.string().max(400)),
  limit: z.coerce.number().int().min(1).max(200).default(25),
});
export type FindingFilter = z.infer<typeof findingFilterSchema>;

/** Columns each sort walks, all descending, id last so the order is total. */
const SORT_COLUMNS: Record<(typeof FINDING_SORTS)[number], string[]> = {
  severity: ['severity_rank', 'last_seen_at', 'id'],
  last_seen: ['last_seen_at', 'id'],
  first_seen: ['first_seen_at', 'id'],
};

/** Thrown when a cursor was not made by this list (edited, or from another sort order). */
export class BadCursorError extends Error {}

// The cursor carries timestamps as Postgres text, so microseconds survive the round trip.
const encode = (values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
function decode(cursor: string, n: number): (string | number)[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v;
  } catch {
    // fall through
  }
  throw new BadCursorError('The cursor is not valid for this list.');
}

function filtered(db: Knex, f: Omit<FindingFilter, 'cursor' | 'limit' | 'sort'>) {
  const q = db<FindingRow>('findings');
  if (f.severity) q.where({ severity: f.severity });
  if (f.status === 'active') q.whereIn('status', ['open', 'acknowledged']);
  else if (f.status && f.status !== 'all') q.where({ status: f.status });
  if (f.kind) q.where({ kind: f.kind });
  if (f.owner === 'none') q.whereNull('owner');
  else if (f.owner) q.where({ owner: f.owner });
  return q;
}

export async function listFindings(
  db: Knex,
  f: FindingFilter,
): Promise<{ rows: FindingRow[]; next: string | null; total: number }> {
  const cols = SORT_COLUMNS[f.sort];
  const q = filtered(db, f).select('*', ...cols.map((c, i) => db.raw(`??::text AS ??`, [c, `_c${i}`])));
  if (f.cursor) {
    const values = decode(f.cursor, cols.length);
    q.whereRaw(
      `(${cols.map(() => '??').join(', ')}) < (${cols.map((c) => (c === 'severity_rank' ? '?::smallint' : c === 'id' ? '?::uuid' : '?::timestamptz')).join(', ')})`,
      [...cols, ...values],
    );
  }
  for (const c of cols) q.orderBy(c, 'desc');
  const rows = (await q.limit(f.limit + 1)) as (FindingRow & Record<string, string>)[];
  const more = rows.length > f.limit;
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  const [{ n }] = await filtered(db, f).count({ n: '*' });
  return {
    rows: page.map(({ ...r }) => {
      for (let i = 0; i < cols.length; i++) delete (r as Record<string, unknown>)[`_c${i}`];
      return r;
    }),
    next: more && last ? encode(cols.map((_, i) => last[`_c${i}`])) : null,
    total: Number(n),
  };
}

/** Every row the filter selects, in pages, for the CSV export (bounded memory). */
export async function* allFindings(db: Knex, f: Omit<FindingFilter, 'cursor' | 'limit'>): AsyncGenerator<FindingRow> {
  let cursor: string | undefined;
  for (;;) {
    const page = await listFindings(db, { ...f, cursor, limit: 200 });
    yield* page.rows;
    if (!page.next) return;
    cursor = page.next;
  }
}

export const runFilterSchema = z.object({
  kind: optional(z.enum(AUDIT_KINDS, 'Choose an audit kind')),
  status: optional(z.enum(['running', 'passed', 'failed', 'error'], 'Choose a status')),
  cursor: optional(z.string().max(400)),
  limit: z.coerce.number().int().min(1).max(200).default(25),
});
export type RunFilter = z.infer<typeof runFilterSchema>;

export async function listRuns(db: Knex, f: RunFilter): Promise<{ rows: AuditRunRow[]; next: string | null }> {
  const q = db<AuditRunRow>('audit_runs').select('*', db.raw(`started_at::text AS _c0`));
  if (f.kind) q.where({ kind: f.kind });
  if (f.status) q.where({ status: f.status });
  if (f.cursor) q.whereRaw(`(started_at, id) < (?::timestamptz, ?::uuid)`, decode(f.cursor, 2));
  const rows = (await q
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit + 1)) as (AuditRunRow & { _c0: string })[];
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return {
    rows: page.map(({ _c0: _, ...r }) => r as AuditRunRow),
    next: rows.length > f.limit && last ? encode([last._c0, last.id]) : null,
  };
}

export const runById = (db: Knex, id: string) => db<AuditRunRow>('audit_runs').where({ id }).first();
export const findingsOfRun = (db: Knex, runId: string) =>
  db<FindingRow>('findings')
    .where({ last_run_id: runId })
    .orWhere({ first_run_id: runId })
    .orderBy('severity_rank', 'desc');

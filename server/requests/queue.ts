// The officer queue (issue 19): one filter for the /requests page and GET /api/v1/requests —
// status (open, all or one), type, regulation, assignee (mine, nobody, a user), urgency (at risk,
// overdue), a search and a sort — paged by a keyset cursor (the page's next/previous links and the
// API), or by offset for a page number typed in.
//
// The search looks a request up by its id (whole, or the first hex digits the list shows), its
// reference (whole, any case) or the subject's email. An email is never compared as text: it is
// turned into the same blind index a new request stores (./identity-index.ts), so only the exact
// address finds a request, even one whose identity was destroyed when it closed.
import type { Knex } from 'knex';
import { z } from 'zod';
import { listQuery, LIST_SORTS, type RequestRow } from './queries';
import { OPEN_STATUSES, REQUEST_STATUSES } from './status';
import { emailIndexes } from './identity-index';
import { atRiskBefore, atRiskDays } from './deadlines';
import type { Deps } from '../deps';
import type { Principal } from '../auth';
import { cappedCount } from '../db/capped-count';

// An empty form field is no filter; anything else must be valid (its own message).
const optional = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === '' ? undefined : v), s.optional());

export const QUEUE_URGENCIES = ['at_risk', 'overdue'] as const;
export const QUEUE_SORTS = Object.keys(LIST_SORTS) as (keyof typeof LIST_SORTS)[];

export const queueFilterSchema = z.object({
  q: optional(z.string().trim().max(320, 'Search for at most 320 characters')),
  status: optional(z.enum(['open', 'all', ...REQUEST_STATUSES], 'Choose a status')).default('open'),
  type: optional(z.enum(['erasure', 'access'], 'Choose erasure or access')),
  regulation: optional(z.enum(['gdpr', 'ccpa', 'lgpd'], 'Choose GDPR, CCPA or LGPD')),
  assignee: optional(z.union([z.uuid(), z.enum(['mine', 'none'])], 'Choose an assignee')),
  urgency: optional(z.enum(QUEUE_URGENCIES, 'Choose at risk or overdue')),
  sort: optional(z.enum(QUEUE_SORTS, 'Choose a sort order')).default('due'),
  dir: optional(z.enum(['asc', 'desc'], 'Choose ascending or descending')).default('asc'),
});
export type QueueFilter = z.infer<typeof queueFilterSchema>;

/** What a filter is read against: who "mine" is, the time, the bundle's at-risk window, the index keys. */
export interface QueueContext {
  /** The signed-in person's user id (a token's owner); null matches nothing for "mine". */
  me: string | null;
  now: Date;
  atRiskDays: number;
  crypto: { blindIndexes(value: string): string[] };
}

/** The signed-in person's user id: "mine" for a token is its owner's. */
export const meOf = (principal: Principal): string | null =>
  principal.person?.startsWith('user:') ? principal.person.slice('user:'.length) : null;

export const queueContext = (deps: Deps, principal: Principal): QueueContext => ({
  me: meOf(principal),
  now: new Date(),
  atRiskDays: atRiskDays(deps.policies.current()),
  crypto: deps.crypto,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOBODY = '00000000-0000-0000-0000-000000000000';
const asUuid = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** The ids starting with these hex digits, as a range the primary key's index serves. */
function idRange(prefix: string): [string, string] | null {
  const hex = prefix.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{4,32}$/.test(hex)) return null;
  return [asUuid(hex.padEnd(32, '0')), asUuid(hex.padEnd(32, 'f'))];
}

function applySearch(q: Knex.QueryBuilder, term: string, ctx: QueueContext) {
  if (term.includes('@')) {
    q.whereIn('identity_index', emailIndexes(ctx.crypto, term));
    return;
  }
  if (UUID.test(term)) {
    q.where('id', term.toLowerCase());
    return;
  }
  const range = idRange(term);
  q.where((w) => {
    w.whereRaw('lower(reference) = lower(?)', [term]);
    if (range) w.orWhereBetween('id', range);
  });
}

/** Every request the filter selects (no order, no page). */
export function queueQuery(db: Knex, f: QueueFilter, ctx: QueueContext) {
  const q = listQuery(db, {
    status: f.status === 'all' ? undefined : f.status,
    type: f.type,
    regulation: f.regulation,
  });
  if (f.assignee === 'none') q.whereNull('assignee_id');
  else if (f.assignee === 'mine') q.where('assignee_id', ctx.me ?? NOBODY);
  else if (f.assignee) q.where('assignee_id', f.assignee);
  if (f.urgency) {
    q.whereIn('status', OPEN_STATUSES);
    if (f.urgency === 'overdue') q.where('due_at', '<', ctx.now);
    else q.where('due_at', '>=', ctx.now).andWhere('due_at', '<=', atRiskBefore(ctx.now, ctx.atRiskDays));
  }
  if (f.q) applySearch(q, f.q, ctx);
  return q;
}

/**
 * Where a page of the list starts: after or before a row (a cursor from the next/previous links,
 * so a page deep in the list reads only its own rows) or at an offset (a page number typed in).
 */
export type QueueStart = { after: string } | { before: string } | { offset: number };

/** The columns the /requests page shows (./view-model.ts summary, the assignee): not the encrypted identity, evidence or outcome. */
export const LIST_COLUMNS = [
  'id',
  'type',
  'regulation',
  'status',
  'reference',
  'duplicate_of',
  'received_at',
  'due_at',
  'completed_at',
  'progress_done',
  'progress_total',
  'assignee_id',
] as const satisfies readonly (keyof RequestRow)[];
export type ListRow = Pick<RequestRow, (typeof LIST_COLUMNS)[number]>;

export interface QueuePage {
  rows: ListRow[];
  /** All the filter selects, counted up to COUNT_CAP (`more` past it: server/db/capped-count.ts). */
  total: number;
  more: boolean;
  /** A row follows this page in the list's order. */
  hasNext: boolean;
  /** Cursors of the page's first and last rows, for the previous and next links. */
  first: string | null;
  last: string | null;
}

/**
 * The rows of one page of the /requests list, and one more (is there a next page?): after or before
 * a cursor's row, or at an offset. An offset skips its rows in the order's index alone (their ids),
 * then reads only the page's rows: skipping whole rows read every one of them from the table (page
 * 2,000 read 50,000). Throws BadCursorError for a cursor not of this list.
 */
export function pageRowsQuery(db: Knex, f: QueueFilter, ctx: QueueContext, limit: number, start: QueueStart) {
  const q = orderedFrom(db, f, ctx, 'after' in start ? start.after : 'before' in start ? start.before : undefined, {
    backwards: 'before' in start,
    columns: LIST_COLUMNS,
  }).limit(limit + 1);
  if ('offset' in start && start.offset > 0)
    q.whereIn(
      'id',
      inOrder(queueQuery(db, f, ctx).select('id'), f)
        .offset(start.offset)
        .limit(limit + 1),
    );
  return q;
}

/** One page of the /requests list (keyset from a cursor, or an offset), with its capped count. */
export async function queuePage(
  db: Knex,
  f: QueueFilter,
  ctx: QueueContext,
  limit: number,
  start: QueueStart,
): Promise<QueuePage> {
  // Built first: a cursor not of this list throws (BadCursorError) before anything is counted.
  const q = pageRowsQuery(db, f, ctx, limit, start);
  const [{ total, more }, fetched] = await Promise.all([
    cappedCount(db, queueQuery(db, f, ctx)),
    q.then((rows) => rows as SortedRow[]),
  ]);
  const shown = 'before' in start ? fetched.slice(0, limit).reverse() : fetched.slice(0, limit);
  const cursorOf = (r: SortedRow | undefined) => (r ? encodeCursor([f.sort, f.dir, r._sort, r.id]) : null);
  return {
    rows: shown.map(listRow),
    total,
    more,
    // Coming back from a later page, there is one.
    hasNext: 'before' in start ? shown.length > 0 : fetched.length > limit,
    first: cursorOf(shown[0]),
    last: cursorOf(shown[shown.length - 1]),
  };
}

type SortedRow = RequestRow & { _sort: string };
const withoutSort = ({ _sort: _, ...r }: SortedRow) => r as RequestRow;
const listRow = ({ _sort: _, ...r }: SortedRow) => r as ListRow;

/**
 * The filter's rows in its order (sort column, then id, both in its direction) from just after the
 * cursor's row, or (backwards) from just before it, nearest first. Each row carries its sort value
 * as Postgres text (`_sort`), for the cursor. Throws BadCursorError for a cursor not of this order.
 */
export function orderedFrom(
  db: Knex,
  f: QueueFilter,
  ctx: QueueContext,
  cursor: string | undefined,
  { backwards = false, columns }: { backwards?: boolean; columns?: readonly string[] } = {},
) {
  const col = LIST_SORTS[f.sort];
  const q = queueQuery(db, f, ctx).select(...(columns ?? ['*']), db.raw('??::text AS _sort', [col]));
  if (cursor) {
    const [value, id] = decodeCursor(cursor, f);
    const cast = col === 'status' ? 'text' : 'timestamptz';
    const after = (f.dir === 'asc') !== backwards;
    q.whereRaw(`(??, id) ${after ? '>' : '<'} (?::${cast}, ?::uuid)`, [col, value, id]);
  }
  return inOrder(q, f, backwards);
}

/** Orders a query of requests by the filter's sort column, then id, both in its direction (or against it). */
function inOrder(q: Knex.QueryBuilder, f: QueueFilter, backwards = false) {
  const col = LIST_SORTS[f.sort];
  const dir = backwards ? (f.dir === 'asc' ? 'desc' : 'asc') : f.dir;
  return q.orderBy(col, dir).orderBy('id', dir);
}

/** Thrown when a cursor was not made by this list (edited, or for another sort order). */
export class BadCursorError extends Error {}

// The cursor carries the sort, the direction and the last row's sort value as Postgres text (so
// microseconds survive the round trip) and its id.
const encodeCursor = (v: [string, string, string, string]) => Buffer.from(JSON.stringify(v)).toString('base64url');
function decodeCursor(cursor: string, f: QueueFilter): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 4 &&
      v[0] === f.sort &&
      v[1] === f.dir &&
      typeof v[2] === 'string' &&
      typeof v[3] === 'string' &&
      UUID.test(v[3])
    )
      return [v[2], v[3]];
  } catch {
    // fall through
  }
  throw new BadCursorError('The cursor is not valid for this list and sort order.');
}

/** One page by keyset (the API): rows after the cursor in the filter's order, and the next cursor. */
export async function queueAfter(
  db: Knex,
  f: QueueFilter,
  ctx: QueueContext,
  cursor: string | undefined,
  limit: number,
): Promise<{ rows: RequestRow[]; next: string | null }> {
  const rows = (await orderedFrom(db, f, ctx, cursor).limit(limit + 1)) as SortedRow[];
  const last = rows[limit - 1];
  return {
    rows: rows.slice(0, limit).map(withoutSort),
    next: rows.length > limit && last ? encodeCursor([f.sort, f.dir, last._sort, last.id]) : null,
  };
}

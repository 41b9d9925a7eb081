// The officer queue (issue 19): one filter for the /requests page and GET /api/v1/requests —
// status (open, all or one), type, regulation, assignee (mine, nobody, a user), urgency (at risk,
// overdue), a search and a sort — paged by offset on the page and by a keyset cursor on the API.
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

/** One page by offset (the /requests page and its pager), with the count of all the filter selects. */
export async function queuePage(
  db: Knex,
  f: QueueFilter,
  ctx: QueueContext,
  limit: number,
  offset: number,
): Promise<{ rows: RequestRow[]; total: number }> {
  const [{ n }] = await queueQuery(db, f, ctx).count<{ n: string }[]>({ n: '*' });
  const rows = await queueQuery(db, f, ctx)
    .orderBy(LIST_SORTS[f.sort], f.dir)
    .orderBy('id', f.dir)
    .limit(limit)
    .offset(offset);
  return { rows: rows as RequestRow[], total: Number(n) };
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
  const col = LIST_SORTS[f.sort];
  const q = queueQuery(db, f, ctx).select('*', db.raw('??::text AS _sort', [col]));
  if (cursor) {
    const [value, id] = decodeCursor(cursor, f);
    const cast = col === 'status' ? 'text' : 'timestamptz';
    q.whereRaw(`(??, id) ${f.dir === 'asc' ? '>' : '<'} (?::${cast}, ?::uuid)`, [col, value, id]);
  }
  const rows = (await q
    .orderBy(col, f.dir)
    .orderBy('id', f.dir)
    .limit(limit + 1)) as (RequestRow & { _sort: string })[];
  const page = rows.slice(0, limit).map(({ _sort: _, ...r }) => r as RequestRow);
  const last = rows[limit - 1];
  return { rows: page, next: rows.length > limit && last ? encodeCursor([f.sort, f.dir, last._sort, last.id]) : null };
}

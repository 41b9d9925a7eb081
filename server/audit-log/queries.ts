import type { Knex } from 'knex';

export interface AuditRow {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  bundle_hash: string;
  prev_hash: string;
  hash: string;
  key_id?: string | null;
}

export interface CheckpointRow {
  id?: string;
  seq: number;
  hash: string;
  keyed_from: number;
  reason: string;
  at: Date;
  key_id: string;
  mac: string;
}

export interface AuditFilter {
  /** One actor id, exactly. */
  actor?: string;
  /** The actor ids to show (a name or email typed in the filter, resolved; see http/actors.ts actorsNamed). */
  actors?: string[];
  action?: string;
  from?: Date;
  to?: Date; // exclusive
}

export const lastEntry = (db: Knex) => db<AuditRow>('audit_log').orderBy('seq', 'desc').first('seq', 'hash');

export const insertEntry = (db: Knex, row: AuditRow) =>
  db('audit_log').insert({ ...row, details: JSON.stringify(row.details) });

export function filtered(db: Knex, f: AuditFilter) {
  const q = db<AuditRow>('audit_log');
  if (f.actor) q.where('actor', f.actor);
  if (f.actors) q.whereIn('actor', f.actors);
  if (f.action) q.where('action', 'like', `${f.action.replace(/[%_\\]/g, (c) => '\\' + c)}%`);
  if (f.from) q.where('at', '>=', f.from);
  if (f.to) q.where('at', '<', f.to);
  return q;
}

/** Where a page starts: after or before a seq (keyset, from the next/previous links) or at an offset. */
export type PageStart = { after: number } | { before: number } | { offset: number };

/** One page of the audit log, newest first (desc) or oldest first (asc). */
export async function auditLogPage(
  db: Knex,
  f: AuditFilter,
  sort: 'asc' | 'desc',
  limit: number,
  start: PageStart,
): Promise<AuditRow[]> {
  return pageQuery(db, f, sort, limit, start).then((rows) => ('before' in start ? rows.reverse() : rows));
}

/** The query behind auditLogPage (rows of a `before` page come newest-to-oldest in the other order). */
export function pageQuery(db: Knex, f: AuditFilter, sort: 'asc' | 'desc', limit: number, start: PageStart) {
  const older = sort === 'desc' ? '<' : '>';
  const newer = sort === 'desc' ? '>' : '<';
  if ('after' in start) return filtered(db, f).where('seq', older, start.after).orderBy('seq', sort).limit(limit);
  if ('before' in start)
    return filtered(db, f)
      .where('seq', newer, start.before)
      .orderBy('seq', sort === 'desc' ? 'asc' : 'desc')
      .limit(limit);
  return filtered(db, f).orderBy('seq', sort).limit(limit).offset(start.offset);
}

export const entriesAfter = (db: Knex, seq: number, limit: number) =>
  db<AuditRow>('audit_log').where('seq', '>', seq).orderBy('seq', 'asc').limit(limit);

// A skip scan over the action index (one index probe per distinct action), not a DISTINCT over
// every entry: the audit log page lists the actions, and the log has millions of entries.
export const distinctActions = async (db: Knex): Promise<string[]> =>
  (
    await db.raw(
      `WITH RECURSIVE a AS (
         SELECT min(action) AS action FROM audit_log
         UNION ALL
         SELECT (SELECT min(action) FROM audit_log WHERE action > a.action) FROM a WHERE a.action IS NOT NULL
       ) SELECT action FROM a WHERE action IS NOT NULL ORDER BY action`,
    )
  ).rows.map((r: { action: string }) => r.action);

export async function keyedFrom(db: Knex): Promise<number | null> {
  const row = await db('audit_chain_start').where({ id: 1 }).first('keyed_from');
  return row ? Number(row.keyed_from) : null;
}

export const insertCheckpoint = (db: Knex, row: CheckpointRow) => db('audit_checkpoints').insert(row).returning('*');

export const allCheckpoints = (db: Knex) => db<CheckpointRow>('audit_checkpoints').orderBy('id');

/** Heads recorded in issued certificates (the PDF prints the same). */
export const certificateHeads = (db: Knex) =>
  db('request_artefacts').whereNotNull('audit_head_seq').select('request_id', 'audit_head_seq', 'audit_head_hash');

/** One target's entries, oldest first (a request's timeline). */
export const entriesFor = (db: Knex, target: string) =>
  db('audit_log').where({ target }).orderBy('seq').select('seq', 'at', 'actor', 'action', 'details');

/** What was done through the CLI, outside invitations and second approvals: break-glass entries, newest first. */
export const breakGlassEntries = (db: Knex, limit = 20) =>
  db('audit_log')
    .where('action', 'like', 'breakglass.%')
    .orWhere((q) => q.where({ actor: 'system:cli' }).andWhere('action', 'like', 'user.%'))
    .orderBy('seq', 'desc')
    .limit(limit)
    .select('seq', 'at', 'action', 'target', 'details');
/** The entries about one target ("finding:<id>"), oldest first: a record's history. */
export const entriesForTarget = (db: Knex, target: string, limit = 200) =>
  db<AuditRow>('audit_log').where({ target }).orderBy('seq', 'asc').limit(limit);

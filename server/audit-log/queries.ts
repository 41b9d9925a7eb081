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
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date; // exclusive
}

export const lastEntry = (db: Knex) =>
  db<AuditRow>('audit_log').orderBy('seq', 'desc').first('seq', 'hash');

export const insertEntry = (db: Knex, row: AuditRow) => db('audit_log').insert({ ...row, details: JSON.stringify(row.details) });

export function filtered(db: Knex, f: AuditFilter) {
  const q = db<AuditRow>('audit_log');
  if (f.actor) q.where('actor', f.actor);
  if (f.action) q.where('action', 'like', `${f.action.replace(/[%_\\]/g, (c) => '\\' + c)}%`);
  if (f.from) q.where('at', '>=', f.from);
  if (f.to) q.where('at', '<', f.to);
  return q;
}

export const entriesAfter = (db: Knex, seq: number, limit: number) =>
  db<AuditRow>('audit_log').where('seq', '>', seq).orderBy('seq', 'asc').limit(limit);

export const distinctActions = (db: Knex) => db('audit_log').distinct('action').orderBy('action').pluck('action');

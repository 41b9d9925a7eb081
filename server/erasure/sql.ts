// SQL fragments for finding a subject's rows: identity matches, reference sub-selects, exemption
// windows, free-text mentions. Values are always bound, identifiers always quoted; a fragment that
// names a table or column the database lacks throws an ErasureConfigError before anything runs.
import type { Knex } from 'knex';
import type { Identity, KeepRule, RowFilter } from './types';
import { comparable, type ColumnInfo, type SchemaInfo, type TableInfo } from './schema';
import { ErasureConfigError } from './errors';

export interface Frag {
  sql: string;
  bindings: unknown[];
}

export interface SqlEnv {
  system: string;
  schema: SchemaInfo;
  identity: Identity;
  now: Date;
}

/** Identity kinds compared case-insensitively: an address is the same person whatever its case. */
export const CASE_INSENSITIVE = new Set(['email']);

export const TRUE: Frag = { sql: 'TRUE', bindings: [] };
export const FALSE: Frag = { sql: 'FALSE', bindings: [] };

export function q(identifier: string): string {
  return '"' + identifier.replace(/"/g, '""') + '"';
}

export function frag(sql: string, ...bindings: unknown[]): Frag {
  return { sql, bindings };
}

export function join(parts: Frag[], op: 'OR' | 'AND', empty: Frag): Frag {
  if (!parts.length) return empty;
  if (parts.length === 1) return parts[0];
  return { sql: '(' + parts.map((p) => p.sql).join(` ${op} `) + ')', bindings: parts.flatMap((p) => p.bindings) };
}

export function tableOf(env: SqlEnv, table: string): TableInfo {
  const t = env.schema.get(table);
  if (!t) throw new ErasureConfigError(`${env.system}.${table}: the data map names a table the database does not have`);
  return t;
}

export function columnOf(env: SqlEnv, table: string, column: string): ColumnInfo {
  const c = tableOf(env, table).columns.get(column);
  if (!c) throw new ErasureConfigError(`${env.system}.${table}.${column}: the data map names a column the database does not have`);
  return c;
}

/** The column holds one of the subject's values of `kind`; FALSE when the subject has none. */
export function identityMatch(env: SqlEnv, table: string, column: string, kind: string): Frag {
  const col = columnOf(env, table, column);
  const raw = [...new Set(env.identity[kind] ?? [])];
  if (CASE_INSENSITIVE.has(kind) && col.isText) {
    const values = [...new Set(raw.map((v) => v.toLowerCase()))];
    return values.length ? frag(`lower(${q(column)}) = ANY(?::text[])`, values) : FALSE;
  }
  const c = comparable(col, raw);
  if (!c.values.length) return FALSE;
  return frag(`${q(column)}${c.columnAsText ? '::text' : ''} = ANY(?::${c.cast}[])`, c.values);
}

/**
 * The subject's rows of a table. A reference is matched with `= ANY(ARRAY(sub-select))` rather than
 * `IN (sub-select)`: the array is computed once, so an OR of filters still uses each column's index
 * instead of scanning the table.
 */
export function rowsMatching(env: SqlEnv, table: string, filters: RowFilter[]): Frag {
  return join(
    filters.map((f) => {
      if (f.kind === 'identity') return identityMatch(env, table, f.column, f.identity);
      columnOf(env, table, f.column);
      columnOf(env, f.parent, f.parentColumn);
      const parent = rowsMatching(env, f.parent, f.parentMatch);
      if (parent === FALSE) return FALSE;
      return frag(`${q(f.column)} = ANY(ARRAY(SELECT ${q(f.parentColumn)} FROM ${q(f.parent)} WHERE ${parent.sql}))`, ...parent.bindings);
    }).filter((f) => f !== FALSE),
    'OR',
    FALSE,
  );
}

/**
 * Rows an exemption still covers. With keep_for/from, `from + keep_for` must lie ahead of `now`
 * (Postgres reads ISO-8601 durations such as P10Y and counts calendar months like luxon does); a row
 * without the date stays exempt, as server/policies/deletion.ts decides, because the basis cannot be
 * shown to have lapsed.
 */
export function keptBy(env: SqlEnv, table: string, rule: KeepRule): Frag {
  if (!rule.window) return TRUE;
  const from = q(rule.window.from);
  columnOf(env, table, rule.window.from);
  return frag(`(${from} IS NULL OR ${from} + ?::interval > ?::timestamptz)`, rule.window.keepFor, env.now);
}

export function keptByAny(env: SqlEnv, table: string, rules: KeepRule[]): Frag {
  return rules.some((r) => !r.window) ? TRUE : join(rules.map((r) => keptBy(env, table, r)), 'OR', FALSE);
}

export function not(f: Frag): Frag {
  if (f === TRUE) return FALSE;
  if (f === FALSE) return TRUE;
  return { sql: `(${f.sql}) IS NOT TRUE`, bindings: f.bindings };
}

/** Email addresses of the subject, for free-text mentions (a prompt that quotes the address). */
export function emailsOf(identity: Identity): string[] {
  return [...new Set((identity.email ?? []).map((e) => e.trim().toLowerCase()).filter((e) => e.includes('@')))];
}

/**
 * Regex (for `~*` / regexp_replace 'gi') matching whole occurrences of the addresses only: substring
 * matching would make ann@x.com hit joann@x.com and ann@x.community, redacting (or, for embeddings,
 * deleting) other people's text. An occurrence counts when the character before it cannot belong to
 * an address, and the one after cannot continue the domain; a dot after it still ends it when what
 * follows cannot continue a domain ("write to ann@x.com."). Group 1 is the character before, which
 * redact puts back; the end is a lookahead so that "ann@x.com ann@x.com" gives two matches, not one.
 * ASCII classes on purpose: the result must not depend on the database's locale.
 */
export function addressPattern(emails: string[]): string {
  return `(^|[^a-z0-9._%+-])(?:${emails.map(escapeRegex).join('|')})(?=$|[^a-z0-9.-]|\\.($|[^a-z0-9-]))`;
}

export function textMentions(column: string, emails: string[]): Frag {
  if (!emails.length) return FALSE;
  // The ILIKE is only a prefilter a trigram index can serve; the regex decides.
  const like = join(emails.map((e) => frag(`${q(column)} ILIKE ?`, `%${escapeLike(e)}%`)), 'OR', FALSE);
  return frag(`(${like.sql} AND ${q(column)} ~* ?)`, ...like.bindings, addressPattern(emails));
}

export function redact(column: string, emails: string[], replacement: string): Frag {
  return frag(`regexp_replace(${q(column)}, ?, ?, 'gi')`, addressPattern(emails), '\\1' + replacement.replace(/\\/g, '\\\\'));
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, (c) => '\\' + c);
}

/** Renders fragments for knex.raw: `?` placeholders, bindings in order. */
export function sqlOf(parts: TemplateStringsArray, ...frags: (Frag | string)[]): Frag {
  let sql = parts[0];
  const bindings: unknown[] = [];
  frags.forEach((f, i) => {
    if (typeof f === 'string') sql += f;
    else {
      sql += f.sql;
      bindings.push(...f.bindings);
    }
    sql += parts[i + 1];
  });
  return { sql, bindings };
}

/** Runs a fragment on a knex instance or transaction. */
export async function exec(db: Knex, f: Frag): Promise<{ rowCount: number; rows: Record<string, unknown>[] }> {
  return (await db.raw(f.sql, f.bindings as Knex.RawBinding[])) as { rowCount: number; rows: Record<string, unknown>[] };
}

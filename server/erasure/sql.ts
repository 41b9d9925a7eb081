// SQL fragments for finding a subject's rows: identity matches, reference sub-selects, exemption
// windows, free-text mentions. Values are always bound, identifiers always quoted; a fragment that
// names a table or column the database lacks throws an ErasureConfigError before anything runs.
import type { Knex } from 'knex';
import type { Identity, KeepRule, RowFilter } from './types';
import { comparable, type ColumnInfo, type SchemaInfo, type TableInfo } from './schema';
import { ErasureConfigError } from './errors';
import { isPhoneKind, phoneVariants } from './phones';
import { escapeRegex, postgresDialect, type Dialect } from './dialect';

export interface Frag {
  sql: string;
  bindings: unknown[];
}

export interface SqlEnv {
  system: string;
  schema: SchemaInfo;
  identity: Identity;
  now: Date;
  /** The target engine's SQL (dialect.ts). */
  dialect: Dialect;
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
  if (!c)
    throw new ErasureConfigError(
      `${env.system}.${table}.${column}: the data map names a column the database does not have`,
    );
  return c;
}

/**
 * Identity kinds under which the subject's values travel as tables store them with blanks around
 * them ("spelled:email" → "\tann@example.com "): discovery finds them (spelledIn, discover.ts), and
 * identityMatch adds them to the kind's exact values, so every step still matches on the index.
 */
export const SPELLED = 'spelled:';

/** The column holds one of the subject's values of `kind`; FALSE when the subject has none. */
export function identityMatch(env: SqlEnv, table: string, column: string, kind: string): Frag {
  const col = columnOf(env, table, column);
  const raw = [...new Set(env.identity[kind] ?? [])];
  const spelled = col.isText ? (env.identity[SPELLED + kind] ?? []) : [];
  if (CASE_INSENSITIVE.has(kind) && col.isText) {
    const values = [...new Set([...raw, ...spelled].map((v) => v.toLowerCase()))];
    if (!values.length) return FALSE;
    return env.dialect.inValues(col.caseInsensitive ? q(column) : `lower(${q(column)})`, values, 'text');
  }
  // A phone number matches in any of its usual written forms (exact strings: the index still serves).
  const c = comparable(col, isPhoneKind(kind) && col.isText ? phoneVariants(raw) : raw);
  const values = [...new Set([...c.values, ...spelled])];
  if (!values.length) return FALSE;
  if (col.isText) return env.dialect.inTextValues(q(column), values);
  return env.dialect.inValues(c.columnAsText ? env.dialect.text(q(column)) : q(column), values, c.cast);
}

/**
 * The column holds one of `values` with or without blanks around it (a tab, a trailing space, a
 * no-break space: whatever JavaScript's trim() removes, as the files engine compares). A full scan:
 * for discovery's search for spellings and for verification, never for a step.
 */
export function paddedMatch(d: Dialect, column: string, values: string[], caseInsensitive: boolean): Frag {
  if (!values.length) return FALSE;
  return d.trimmedIn(q(column), caseInsensitive ? values.map((v) => v.toLowerCase()) : values, caseInsensitive);
}

/**
 * The subject's rows of a table. A reference is matched with `= ANY(ARRAY(sub-select))` rather than
 * `IN (sub-select)`: the array is computed once, so an OR of filters still uses each column's index
 * instead of scanning the table.
 */
export function rowsMatching(env: SqlEnv, table: string, filters: RowFilter[]): Frag {
  return join(
    filters
      .map((f) => {
        if (f.kind === 'identity') return identityMatch(env, table, f.column, f.identity);
        columnOf(env, table, f.column);
        columnOf(env, f.parent, f.parentColumn);
        const parent = rowsMatching(env, f.parent, f.parentMatch);
        if (parent === FALSE) return FALSE;
        return env.dialect.inSubquery(
          q(f.column),
          frag(`SELECT ${q(f.parentColumn)} FROM ${q(f.parent)} WHERE ${parent.sql}`, ...parent.bindings),
        );
      })
      .filter((f) => f !== FALSE),
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
  return env.dialect.windowOpen(from, rule.window.keepFor, env.now);
}

/** Rows with one of these primary keys (values compared as text, as they were recorded). */
export function rowsWithKeys(primaryKey: string[], keys: string[][], dialect: Dialect): Frag {
  if (!keys.length || !primaryKey.length) return FALSE;
  if (primaryKey.length === 1)
    return dialect.inValues(
      dialect.text(q(primaryKey[0])),
      keys.map((k) => k[0]),
      'text',
    );
  const tuple = `(${primaryKey.map(() => '?').join(', ')})`;
  return frag(
    `(${primaryKey.map((c) => dialect.text(q(c))).join(', ')}) IN (${keys.map(() => tuple).join(', ')})`,
    ...keys.flat(),
  );
}

export function keptByAny(env: SqlEnv, table: string, rules: KeepRule[]): Frag {
  return rules.some((r) => !r.window)
    ? TRUE
    : join(
        rules.map((r) => keptBy(env, table, r)),
        'OR',
        FALSE,
      );
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

export function textMentions(column: string, emails: string[], dialect: Dialect = postgresDialect): Frag {
  if (!emails.length) return FALSE;
  // The ILIKE is only a prefilter a trigram index can serve; the regex decides.
  const like = join(
    emails.map((e) => dialect.ilike(q(column), `%${escapeLike(e)}%`)),
    'OR',
    FALSE,
  );
  const re = dialect.matchesCI(q(column), addressPattern(emails));
  return frag(`(${like.sql} AND ${re.sql})`, ...like.bindings, ...re.bindings);
}

export function redact(
  column: string,
  emails: string[],
  replacement: string,
  dialect: Dialect = postgresDialect,
): Frag {
  return dialect.replaceCI(q(column), addressPattern(emails), '\\1' + replacement.replace(/\\/g, '\\\\'));
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

export { escapeRegex };

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

/**
 * Runs a fragment on a knex instance or transaction. pg answers `{ rows, rowCount }`; mysql2 answers
 * `[rows, fields]` for a read and `[{ affectedRows }, …]` for a write: both come back as the former.
 */
export async function exec(db: Knex, f: Frag): Promise<{ rowCount: number; rows: Record<string, unknown>[] }> {
  const raw = (await db.raw(f.sql, f.bindings as Knex.RawBinding[])) as unknown;
  if (!Array.isArray(raw)) return raw as { rowCount: number; rows: Record<string, unknown>[] };
  const first = raw[0] as Record<string, unknown>[] | { affectedRows: number };
  if (Array.isArray(first)) return { rows: first, rowCount: first.length };
  return { rows: [], rowCount: Number(first.affectedRows ?? 0) };
}

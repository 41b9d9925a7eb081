// Fills a ClassTable from a MySQL/MariaDB table or view with the same aggregation pg-source.ts pushes
// down on PostgreSQL:
//   SELECT CAST(coalesce(CAST(q1 AS CHAR), '') AS BINARY) AS q1, …, count(*) FROM t GROUP BY 1, …
// streamed row by row into the CSV reader both other sources use (each group row re-encoded as one
// CSV line and weighted by its count), so the rows never leave the server and the metrics are
// computed by the same code. Values are grouped as their bytes: a `_ci` collation would otherwise fold
// "Ann" and "ann" (and trailing spaces) into one class, which the CSV export of the same data keeps
// apart. NULL becomes '' as in a CSV export.
//
// Leak scan, as on PostgreSQL: the grouped columns are scanned in the grouped rows; every other
// column gets one query returning only the values a superset of the JS pre-filter accepts, with their
// counts. Column types whose text form cannot be an identifier are skipped.
import type { Knex } from 'knex';
import { ReidInputError } from './errors';
import { groupedReader, type TableReadOptions, type TableReadResult } from './pg-source';

const PREFILTER = '[@:]|[0-9].*[0-9].*[0-9].*[0-9]';
const NOT_IDENTIFIER_TYPES =
  /^(bit|bool|boolean|binary|varbinary|tinyblob|blob|mediumblob|longblob|date|time|datetime|timestamp|year|uuid)$/;
/** Group rows re-encoded per push into the reader. */
const BATCH = 2000;

interface ColumnInfo {
  name: string;
  type: string;
}

const qi = (name: string) => '`' + name.replace(/`/g, '``') + '`';

export async function readMysqlTableClasses(db: Knex, options: TableReadOptions): Promise<TableReadResult> {
  options.signal?.throwIfAborted();
  const [given, name] = splitTableName(options.table);
  const schema = given ?? (await rowsOf<{ s: string }>(db, 'SELECT DATABASE() AS s'))[0]?.s;
  if (!schema) throw new ReidInputError('unknown_table', `no database selected for "${options.table}"`);
  const columns = await tableColumns(db, schema, name, options.table);
  const sensitive = options.sensitive ?? [];
  for (const c of [...options.quasi, ...sensitive]) {
    if (!columns.some((col) => col.name === c))
      throw new ReidInputError(
        'unknown_column',
        `unknown column "${c}"; ${options.table} has: ${columns.map((col) => col.name).join(', ')}`,
      );
  }
  const estimate = await estimatedRows(db, schema, name);
  const { names, leaks, grouped, countColumn, reader } = groupedReader(options, columns);
  const target = `${qi(schema)}.${qi(name)}`;
  const select = grouped.map((c, i) => `CAST(COALESCE(CAST(${qi(c)} AS CHAR), '') AS BINARY) AS g${i}`).join(', ');
  const sql = `SELECT ${select}, COUNT(*) AS n FROM ${target} GROUP BY ${grouped.map((_, i) => i + 1).join(', ')}`;
  reader.push(Buffer.from([...grouped, countColumn].map(csvField).join(',') + '\n'));
  let lines: string[] = [];
  let records = 0;
  const flush = () => {
    if (!lines.length) return;
    reader.push(Buffer.from(lines.join('')));
    lines = [];
    options.onFetch?.(records, estimate);
  };
  for await (const row of streamRows(db, sql, options.signal)) {
    const fields = grouped.map((_, i) => csvField(text(row[`g${i}`])));
    records += Number(row.n);
    lines.push(fields.join(',') + ',' + String(row.n) + '\n');
    if (lines.length >= BATCH) flush();
  }
  flush();
  const { table } = reader.end();

  if (leaks) {
    for (const col of columns) {
      if (grouped.includes(col.name) || NOT_IDENTIFIER_TYPES.test(col.type)) continue;
      options.signal?.throwIfAborted();
      const candidates = await rowsOf<{ v: unknown; n: number | string }>(
        db,
        `SELECT CAST(COALESCE(CAST(${qi(col.name)} AS CHAR), '') AS BINARY) AS v, COUNT(*) AS n FROM ${target}
          WHERE CAST(${qi(col.name)} AS CHAR) REGEXP ? GROUP BY 1`,
        [PREFILTER],
      );
      const at = names.indexOf(col.name);
      for (const c of candidates) leaks.scanText(at, text(c.v), Number(c.n));
    }
  }
  return { table, leaks, columns: names };
}

/** The rows of a query one at a time (mysql2's streaming query), stopping when the signal aborts. */
async function* streamRows(db: Knex, sql: string, signal?: AbortSignal): AsyncGenerator<Record<string, unknown>> {
  const stream = db.raw(sql).stream();
  const stop = () => stream.destroy(new ReidInputError('bad_option', 'the analysis was cancelled'));
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const row of stream as AsyncIterable<Record<string, unknown>>) yield row;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

async function rowsOf<T>(db: Knex, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<T[]> {
  const [rows] = (await db.raw(sql, bindings)) as unknown as [T[]];
  return rows;
}

function splitTableName(table: string): [string | null, string] {
  const parts = table.split('.');
  if (parts.length === 1) return [null, parts[0]];
  if (parts.length === 2 && parts[0] && parts[1]) return [parts[0], parts[1]];
  throw new ReidInputError('bad_option', `"${table}" is not a table name (use table or database.table)`);
}

async function tableColumns(db: Knex, schema: string, name: string, label: string): Promise<ColumnInfo[]> {
  const rows = await rowsOf<{ c: string; t: string }>(
    db,
    `SELECT column_name AS c, data_type AS t FROM information_schema.columns
      WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
    [schema, name],
  );
  if (rows.length === 0) throw new ReidInputError('unknown_table', `no table or view "${label}" in this data system`);
  return rows.map((r) => ({ name: r.c, type: String(r.t).toLowerCase() }));
}

async function estimatedRows(db: Knex, schema: string, name: string): Promise<number | null> {
  const rows = await rowsOf<{ n: number | string | null }>(
    db,
    'SELECT table_rows AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
    [schema, name],
  );
  const n = Number(rows[0]?.n);
  return Number.isFinite(n) && n > 0 ? n : null;
}

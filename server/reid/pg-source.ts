// Fills a ClassTable from a Postgres table or view with one aggregation pushed down:
//   COPY (SELECT coalesce(q1::text, '') AS q1, …, coalesce(s1::text, '') AS s1, …, count(*)
//         FROM t GROUP BY q1, …, s1, …) TO STDOUT (FORMAT csv)
// streamed into the same CSV reader the file source uses, each group row weighted by its count:
// the rows never leave the database and the groups are never all in memory at once. NULL becomes
// '' (what a CSV export of the same data holds) and values are compared as their text, so a table
// and its CSV export give identical results.
//
// Leak scan: the quasi-identifier and sensitive columns' values are already in the grouped rows
// and are scanned there (weighted by the group count). Every other column gets one query,
//   SELECT coalesce(c::text, ''), count(*) FROM t WHERE c::text ~ <pre-filter> GROUP BY 1
// whose regex is a superset of the JS pre-filter, so only candidate values (with their counts)
// leave the database and the JS detectors decide, exactly as in the CSV pass. Column types whose
// text form cannot be an identifier (boolean, dates and times, uuid, bytea) are skipped.
import type { Knex } from 'knex';
import { ClassTable } from './class-table';
import { CsvClassReader } from './csv-reader';
import { CsvParser, fieldText } from './csv-parser';
import { ReidInputError } from './errors';
import { LeakScanner } from './leak-scan';
import { copyCsvOut } from './pg-copy';

const PREFILTER = '[@:]|[0-9].*[0-9].*[0-9].*[0-9]';
// With the server default (4 MB) Postgres sorts a million groups on disk; 64 MB lets it hash them
// in memory, about twice as fast, and SET LOCAL keeps it to this one read-only transaction.
const DEFAULT_WORK_MEM = '64MB';
const NOT_IDENTIFIER_TYPES = /^(boolean|bytea|uuid|date|time|timestamp|interval)\b/;

export interface TableReadOptions {
  /** "table" (current schema) or "schema.table". */
  table: string;
  quasi: readonly string[];
  sensitive?: readonly string[];
  scanLeaks?: boolean;
  /** Called after each fetched batch with records so far and the planner's estimate of the total. */
  onFetch?: (records: number, estimatedTotal: number | null) => void;
  signal?: AbortSignal;
  /** work_mem for the aggregation's own transaction (default 64MB). */
  workMem?: string;
}

export interface TableReadResult {
  table: ClassTable;
  leaks: LeakScanner | null;
  columns: string[];
}

interface ColumnInfo {
  name: string;
  type: string;
}

export async function readTableClasses(db: Knex, options: TableReadOptions): Promise<TableReadResult> {
  const [given, name] = splitTableName(options.table);
  const schema = given ?? (await db.raw<{ rows: { s: string }[] }>('SELECT current_schema() AS s')).rows[0].s;
  const columns = await tableColumns(db, schema, name, options.table);
  const sensitive = options.sensitive ?? [];
  for (const c of [...options.quasi, ...sensitive]) {
    if (!columns.some((col) => col.name === c)) {
      throw new ReidInputError(
        'unknown_column',
        `unknown column "${c}"; ${options.table} has: ${columns.map((col) => col.name).join(', ')}`,
      );
    }
    if (c.includes('.'))
      throw new ReidInputError('bad_option', `column "${c}" has a dot in its name, which cannot be quoted safely here`);
  }
  const estimate = await estimatedRows(db, schema, name);
  const { names, leaks, grouped, countColumn, reader } = groupedReader(options, columns, (records) =>
    options.onFetch?.(records, estimate),
  );
  await copyCsvOut(db, groupedQuery(db, schema, name, grouped, countColumn), (chunk) => reader.push(chunk), {
    signal: options.signal,
    workMem: options.workMem ?? DEFAULT_WORK_MEM,
  });
  const { table } = reader.end();

  if (leaks) {
    for (const col of columns) {
      if (grouped.includes(col.name) || NOT_IDENTIFIER_TYPES.test(col.type) || col.name.includes('.')) continue;
      const sql = db
        .raw(`SELECT coalesce(??::text, ''), count(*) FROM ??.?? WHERE ??::text ~ '${PREFILTER}' GROUP BY 1`, [
          col.name,
          schema,
          name,
          col.name,
        ])
        .toSQL()
        .toNative().sql;
      await scanCandidates(db, sql, leaks, names.indexOf(col.name), options.signal);
    }
  }
  return { table, leaks, columns: names };
}

/**
 * The reader a pushed-down GROUP BY feeds, shared by the PostgreSQL and MySQL sources: grouped
 * columns (quasi-identifiers, then sensitive ones), the count column's name (one no column has),
 * and the leak scanner over every column of the table.
 */
export function groupedReader(
  options: TableReadOptions,
  columns: readonly { name: string }[],
  onRecords?: (records: number) => void,
): { names: string[]; leaks: LeakScanner | null; grouped: string[]; countColumn: string; reader: CsvClassReader } {
  const names = columns.map((c) => c.name);
  const leaks = options.scanLeaks === false ? null : new LeakScanner(names);
  const grouped = [...options.quasi, ...(options.sensitive ?? [])];
  let countColumn = 'reid_count';
  while (grouped.includes(countColumn)) countColumn += '_';
  const reader = new CsvClassReader({
    delimiter: ',',
    quasi: options.quasi,
    sensitive: options.sensitive ?? [],
    weightColumn: countColumn,
    scanLeaks: leaks !== null,
    leakScanner: leaks ?? undefined,
    leakColumns: (header) => header.map((h) => names.indexOf(h)),
    ...(onRecords ? { onChunk: (_bytes: number, _total: number | null, records: number) => onRecords(records) } : {}),
  });
  return { names, leaks, grouped, countColumn, reader };
}

/**
 * The one aggregation the analysis pushes down (exported so the benchmark can time it bare).
 * Measured and dropped: a UNION ALL of the same GROUP BY over hash partitions of one column, so
 * that Postgres would aggregate the next partition while Node counts the last; on two cores the
 * extra scans cost more than the overlap saved (5 s against 4 s for 1M rows).
 */
export function groupedQuery(
  db: Knex,
  schema: string,
  table: string,
  columns: readonly string[],
  countAs: string,
): string {
  return db
    .raw(
      `SELECT ${columns.map(() => `coalesce(??::text, '') AS ??`).join(', ')}, count(*) AS ?? FROM ??.?? GROUP BY ${columns.map(() => '??').join(', ')}`,
      [...columns.flatMap((c) => [c, c]), countAs, schema, table, ...columns],
    )
    .toSQL()
    .toNative().sql;
}

/** Scans `value, count` rows of a COPY for identifiers (the few candidate values of one column). */
async function scanCandidates(
  db: Knex,
  sql: string,
  leaks: LeakScanner,
  column: number,
  signal?: AbortSignal,
): Promise<void> {
  let header = true;
  const parser = new CsvParser(0x2c, (buf, starts, ends, escaped) => {
    if (header) {
      header = false;
      return;
    }
    let count = 0;
    for (let i = starts[1]; i < ends[1]; i++) count = count * 10 + (buf[i] - 48);
    leaks.scanText(column, fieldText(buf, starts[0], ends[0], escaped[0]), count);
  });
  let tail = Buffer.alloc(0);
  await copyCsvOut(
    db,
    sql,
    (chunk) => {
      const work = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      tail = Buffer.from(work.subarray(parser.parse(work, false)));
    },
    { signal },
  );
  parser.parse(tail, true);
}

function splitTableName(table: string): [string | null, string] {
  const parts = table.split('.');
  if (parts.length === 1) return [null, parts[0]];
  if (parts.length === 2 && parts[0] && parts[1]) return [parts[0], parts[1]];
  throw new ReidInputError('bad_option', `"${table}" is not a table name (use table or schema.table)`);
}

async function tableColumns(db: Knex, schema: string, name: string, label: string): Promise<ColumnInfo[]> {
  const { rows } = await db.raw<{ rows: { column_name: string; data_type: string }[] }>(
    `SELECT column_name, data_type FROM information_schema.columns
      WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`,
    [schema, name],
  );
  if (rows.length === 0) throw new ReidInputError('unknown_table', `no table or view "${label}" in this data system`);
  return rows.map((r) => ({ name: r.column_name, type: r.data_type }));
}

async function estimatedRows(db: Knex, schema: string, name: string): Promise<number | null> {
  const { rows } = await db.raw<{ rows: { n: string | null }[] }>(
    `SELECT c.reltuples::bigint AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
      WHERE s.nspname = ? AND c.relname = ?`,
    [schema, name],
  );
  const n = rows[0]?.n == null ? NaN : Number(rows[0].n);
  return Number.isFinite(n) && n > 0 ? n : null;
}

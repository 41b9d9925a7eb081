// DuckDB reads of dataset files (issue 20): the reader every part of a files system uses except the
// CSV/JSONL rewrite itself (discovery, preview counts, access export, verification, the Parquet
// rewrite, the Systems check). Every value comes back as text, as the SQL engines compare them.
import fs from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FileFormat } from '../../policies/file-glob';

export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
export const dq = (identifier: string): string => '"' + identifier.replace(/"/g, '""') + '"';

/** The table function reading one file; Parquet with its row numbers (`file_row_number`). */
export function sourceOf(file: string, format: FileFormat, rowNumbers = false): string {
  if (format === 'csv')
    return `read_csv(${sqlString(file)}, header = true, all_varchar = true, quote = '"', escape = '"')`;
  if (format === 'jsonl') return `read_json(${sqlString(file)}, format = 'newline_delimited')`;
  return `read_parquet(${sqlString(file)}${rowNumbers ? ', file_row_number = true' : ''})`;
}

export async function withDuckdb<T>(fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  // Loaded on first use: the native library costs ~0.3 s of a start that may never read a file.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    return await fn(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

export async function rowsOf<T = Record<string, unknown>>(db: DuckDBConnection, sql: string): Promise<T[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJson() as T[];
}

/** The file's columns as DuckDB reads them (an empty file has none). */
export async function columnsOf(db: DuckDBConnection, file: string, format: FileFormat): Promise<string[]> {
  if (!fs.statSync(file).size) return [];
  return (await rowsOf(db, `DESCRIBE SELECT * FROM ${sourceOf(file, format)}`)).map((r) => String(r.column_name));
}

/** A column as trimmed text, for comparisons. */
export const textOf = (column: string): string => `trim(CAST(${dq(column)} AS VARCHAR))`;

/**
 * WHERE for rows some column of which holds a value: per column, the values it must equal (as
 * trimmed text, case-folded when `ci`) or contain (`contains`, case-folded). Null when nothing can match.
 */
export function anyOf(
  probes: { column: string; values: string[]; ci?: boolean; contains?: boolean }[],
  columns: string[],
): string | null {
  const parts = probes.flatMap(({ column, values, ci, contains }) => {
    if (!values.length || !columns.includes(column)) return [];
    const col = ci || contains ? `lower(${textOf(column)})` : textOf(column);
    if (contains) return values.map((v) => `contains(${col}, ${sqlString(v.toLowerCase())})`);
    const list = values.map((v) => sqlString(ci ? v.toLowerCase() : v)).join(', ');
    return [`${col} IN (${list})`];
  });
  return parts.length ? `coalesce(${parts.join(' OR ')}, false)` : null;
}

/** Rows of one file matching `where`, every column as text (null stays null). */
export async function selectRows(
  db: DuckDBConnection,
  file: string,
  format: FileFormat,
  columns: string[],
  where: string,
  extra = '',
): Promise<Record<string, string | null>[]> {
  const select = columns.map((c) => `CAST(${dq(c)} AS VARCHAR) AS ${dq(c)}`).join(', ');
  return rowsOf<Record<string, string | null>>(
    db,
    `SELECT ${select}${extra} FROM ${sourceOf(file, format, extra !== '')} WHERE ${where}`,
  );
}

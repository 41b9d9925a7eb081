// DuckDB reads of dataset files (issue 20): the reader every part of a files system uses except the
// CSV/JSONL rewrite itself (discovery, preview counts, access export, verification, the Parquet
// rewrite, the Systems check). Every value comes back as text, as the SQL engines compare them.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { FileFormat } from '../../policies/file-glob';
import { BLANKS_PATTERN, escapeRegex } from '../dialect';

export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
export const dq = (identifier: string): string => '"' + identifier.replace(/"/g, '""') + '"';

/**
 * The columns DuckDB detected in a JSONL file, kept per version of the file (device, inode, size,
 * modification and change times — whatever path it is read by, a pinned one included): detecting
 * reads a sample of up to 20,480 lines, which costs more than the query itself, and an erasure reads
 * the same file several times. Any rewrite (a rename into place) makes a new version, detected again.
 */
const detected = new Map<string, [string, string][]>();
const MAX_DETECTED = 1_000;

function signatureOf(file: string): string {
  const s = fs.statSync(file, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

function detectedColumns(file: string): [string, string][] | null {
  return detected.get(signatureOf(file)) ?? null;
}

const PROC_FD = fs.existsSync('/proc/self/fd');

/**
 * `fn` reads `file` through a path that stays on the version open now (`/proc/self/fd/N`): DuckDB
 * opens a file more than once in a query (a Parquet footer at bind, its pages at scan), and another
 * worker's rewrite renaming a new version into place in between would hand it the footer of one and
 * the pages of the other. Where there is no /proc, the path itself.
 */
export async function pinned<T>(file: string, fn: (path: string) => Promise<T>): Promise<T> {
  if (!PROC_FD) return fn(file);
  const handle = await fsp.open(file, 'r');
  try {
    return await fn(`/proc/self/fd/${handle.fd}`);
  } finally {
    await handle.close();
  }
}

/** The table function reading one file; Parquet with its row numbers (`file_row_number`). */
export function sourceOf(file: string, format: FileFormat, rowNumbers = false): string {
  if (format === 'csv')
    return `read_csv(${sqlString(file)}, header = true, all_varchar = true, quote = '"', escape = '"')`;
  if (format === 'jsonl') {
    const known = detectedColumns(file);
    const columns = known
      ? `, columns = {${known.map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ')}}`
      : '';
    return `read_json(${sqlString(file)}, format = 'newline_delimited'${columns})`;
  }
  return `read_parquet(${sqlString(file)}${rowNumbers ? ', file_row_number = true' : ''})`;
}

/**
 * One in-memory DuckDB per process, opened on first use: an instance costs ≈ 35 ms of CPU to open
 * and close (its thread pool, its allocator), and an erasure reads its files a dozen times. Each use
 * gets its own connection (temporary tables and settings stay with it). DuckDB's external file cache
 * is off: Lethe rewrites these files, and a read must see the file as it is now, never a cached copy.
 */
let shared: Promise<DuckDBInstance> | null = null;
let threads = 1;

/**
 * The threads the process's DuckDB runs (config LETHE_DUCKDB_THREADS, set by buildDeps; default 1).
 * Measured with 40 erasures of the demo company: two DuckDB threads per worker made no erasure
 * faster with one worker, cost it a fifth more CPU, and with two workers their spinning took the
 * cores both needed (2 workers 0.75 → 0.99 erasures/s with one thread). A lone scan of a large file
 * is faster with two (343 MB of JSONL: 0.69 → 0.44 s, 20 % more CPU). Applies to an instance not yet opened.
 */
export function setDuckdbThreads(n: number): void {
  threads = n;
}

export async function withDuckdb<T>(fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  if (!shared) {
    // Loaded here, not at import: the native library costs ~0.3 s of a start that may never read a file.
    shared = import('@duckdb/node-api').then(({ DuckDBInstance }) =>
      DuckDBInstance.create(':memory:', { enable_external_file_cache: 'false', threads: String(threads) }),
    );
    shared.catch(() => (shared = null));
  }
  const db = await (await shared).connect();
  try {
    return await fn(db);
  } finally {
    db.closeSync();
  }
}

export async function rowsOf<T = Record<string, unknown>>(db: DuckDBConnection, sql: string): Promise<T[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJson() as T[];
}

/** The file's columns as DuckDB reads them (an empty file has none). */
export async function columnsOf(db: DuckDBConnection, file: string, format: FileFormat): Promise<string[]> {
  if (!fs.statSync(file).size) return [];
  if (format !== 'jsonl')
    return (await rowsOf(db, `DESCRIBE SELECT * FROM ${sourceOf(file, format)}`)).map((r) => String(r.column_name));
  const known = detectedColumns(file);
  if (known) return known.map(([name]) => name);
  const signature = signatureOf(file);
  const columns = (await rowsOf(db, `DESCRIBE SELECT * FROM ${sourceOf(file, format)}`)).map(
    (r) => [String(r.column_name), String(r.column_type)] as [string, string],
  );
  if (detected.size >= MAX_DETECTED) detected.clear();
  detected.set(signature, columns);
  return columns.map(([name]) => name);
}

// Blanks around a value are matched with BLANKS_PATTERN (what JavaScript's trim() removes, for RE2):
// DuckDB's trim() removes spaces only, and trim() with that set of characters costs five times as much
// per cell as an anchored expression.

/** A column as text with spaces trimmed, for comparisons. */
export const textOf = (column: string): string => `trim(CAST(${dq(column)} AS VARCHAR))`;

/** An exact value for RE2, İ written as either of its lower cases (i + U+0307 in JavaScript, i in DuckDB). */
export const re2Literal = (v: string): string => escapeRegex(v).replace(/i\u0307/g, '(?:i\\x{307}|\\x{130})');

/**
 * WHERE for rows some column of which holds a value: per column, the values it must equal (as
 * trimmed text, case-folded when `ci`: any blank JavaScript's trim() removes around it) or contain
 * (`contains`, case-folded). Null when nothing can match.
 */
export function anyOf(
  probes: { column: string; values: string[]; ci?: boolean; contains?: boolean }[],
  columns: string[],
): string | null {
  const parts = probes.flatMap(({ column, values, ci, contains }) => {
    if (!values.length || !columns.includes(column)) return [];
    const col = ci || contains ? `lower(${textOf(column)})` : textOf(column);
    if (contains) return values.map((v) => `contains(${col}, ${sqlString(v.toLowerCase())})`);
    const listed = values.map((v) => (ci ? v.toLowerCase() : v));
    // A tab, a no-break space… around the value: the files erasure's own check (match.ts) trims them.
    const padded = sqlString(`^${BLANKS_PATTERN}(?:${listed.map(re2Literal).join('|')})${BLANKS_PATTERN}$`);
    return [
      `(${col} IN (${listed.map(sqlString).join(', ')}) OR regexp_matches(CAST(${dq(column)} AS VARCHAR), ${padded}${ci ? ", 'i'" : ''}))`,
    ];
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

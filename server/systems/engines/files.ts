// Training and export files as a data system (issue 20, `engine: files`): a dataset is a glob of CSV
// or JSONL files under the system's root directory. Erasing a subject writes a new version of each
// affected file atomically (written beside it, fsynced, renamed over it, directory fsynced): the
// original lines are streamed and only the subject's records are dropped or masked, so every other
// line keeps its bytes. Each rewrite records the old and new SHA-256 and row counts, in the result and
// in the dataset's manifest (`lethe-manifest.json` beside the files: files, hashes, row counts,
// lineage), so a training pipeline can tell its snapshot changed. A worker killed after the write and
// before the rename leaves the old file whole and a temporary file, which the rerun removes; the
// rerun then finds the subject's records still there and rewrites the file once.
//
// Parquet has no lines to keep: it is rewritten through DuckDB (`COPY (SELECT … WHERE NOT …)`, in
// insertion order), and the other rows stay equal by the md5 of their canonical values.
//
// Verification reads the new files through DuckDB (an independent reader from the one that wrote
// them for CSV and JSONL). Not done yet: wiring these datasets into the data map, planner and request
// workflow (the functions here are what a files step will call).
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Identity } from '../../erasure/types';

export type FileFormat = 'csv' | 'jsonl' | 'parquet';

export interface FileDataset {
  name: string;
  /** Files of the dataset, relative to the system's root: a file name or a `*` pattern in its last segment ("train/*.jsonl"). */
  glob: string;
  format: FileFormat;
  /** Columns (CSV header names, JSONL keys) holding an identity of the given kind. */
  identity: Record<string, string>;
}

/** What happens to the subject's records: dropped, or kept with these fields replaced (null clears them). */
export type FileAction = { kind: 'delete' } | { kind: 'mask'; fields: Record<string, string | null> };

export interface FileRewrite {
  file: string;
  oldSha256: string;
  newSha256: string;
  rowsBefore: number;
  rowsAfter: number;
  rowsMatched: number;
}

export interface FileEraseHooks {
  /** Called with the temporary file written and fsynced, before the rename (tests kill the worker here). */
  beforeRename?(tmp: string, target: string): Promise<void> | void;
}

export const MANIFEST = 'lethe-manifest.json';
const TMP = '.lethe-tmp';

/** The dataset's files, sorted; a missing directory is an empty dataset. */
export async function datasetFiles(root: string, dataset: FileDataset): Promise<string[]> {
  const rel = path.normalize(dataset.glob);
  if (path.isAbsolute(rel) || rel.startsWith('..'))
    throw new Error(`${dataset.name}: files must lie under the system's root (${dataset.glob})`);
  const dir = path.join(root, path.dirname(rel));
  const pattern = new RegExp(
    '^' +
      path
        .basename(rel)
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]') +
      '$',
  );
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => pattern.test(n) && !n.endsWith(TMP) && n !== MANIFEST)
    .sort()
    .map((n) => path.join(dir, n));
}

/** Splits text into records with their exact bytes (terminator included); CSV records may span lines inside quotes. */
export function* records(text: string, format: FileFormat): Generator<string> {
  let start = 0;
  let quotes = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (format === 'csv' && ch === 34) quotes++;
    else if (ch === 10 && quotes % 2 === 0) {
      yield text.slice(start, i + 1);
      start = i + 1;
      quotes = 0;
    }
  }
  if (start < text.length) yield text.slice(start);
}

/** RFC 4180 fields of one CSV record (terminator ignored). */
export function csvFields(record: string): string[] {
  const line = record.replace(/\r?\n$/, '');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

const csvQuote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function matcher(dataset: FileDataset, identity: Identity): (get: (column: string) => unknown) => boolean {
  const wanted = Object.entries(dataset.identity).map(([column, kind]) => {
    const ci = kind === 'email';
    const values = new Set((identity[kind] ?? []).map((v) => (ci ? v.toLowerCase() : v)));
    return { column, ci, values };
  });
  return (get) =>
    wanted.some(({ column, ci, values }) => {
      const v = get(column);
      if (v === null || v === undefined || !values.size) return false;
      const s = String(v).trim();
      return values.has(ci ? s.toLowerCase() : s);
    });
}

interface Rewritten {
  text: string;
  rowsBefore: number;
  rowsAfter: number;
  rowsMatched: number;
}

/** The file's new text: the subject's records dropped or masked, every other record's bytes as they were. */
export function rewrite(text: string, dataset: FileDataset, identity: Identity, action: FileAction): Rewritten {
  const isSubject = matcher(dataset, identity);
  const out: string[] = [];
  let header: string[] | null = null;
  let rowsBefore = 0;
  let rowsMatched = 0;
  for (const rec of records(text, dataset.format)) {
    if (dataset.format === 'csv' && header === null) {
      header = csvFields(rec);
      out.push(rec);
      continue;
    }
    if (rec.trim() === '') {
      out.push(rec);
      continue;
    }
    rowsBefore++;
    const eol = /\r?\n$/.exec(rec)?.[0] ?? '';
    if (dataset.format === 'csv') {
      const fields = csvFields(rec);
      if (!isSubject((c) => fields[header!.indexOf(c)])) {
        out.push(rec);
        continue;
      }
      rowsMatched++;
      if (action.kind === 'delete') continue;
      for (const [c, v] of Object.entries(action.fields)) if (header!.includes(c)) fields[header!.indexOf(c)] = v ?? '';
      out.push(fields.map(csvQuote).join(',') + eol);
    } else {
      const obj = JSON.parse(rec) as Record<string, unknown>;
      if (!isSubject((c) => obj[c])) {
        out.push(rec);
        continue;
      }
      rowsMatched++;
      if (action.kind === 'delete') continue;
      for (const [c, v] of Object.entries(action.fields)) if (c in obj) obj[c] = v;
      out.push(JSON.stringify(obj) + eol);
    }
  }
  return {
    text: out.join(''),
    rowsBefore,
    rowsAfter: rowsBefore - (action.kind === 'delete' ? rowsMatched : 0),
    rowsMatched,
  };
}

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** Writes beside the target, fsyncs, renames over it and fsyncs the directory. */
async function atomicWrite(target: string, data: string, hooks: FileEraseHooks = {}): Promise<void> {
  const tmp = target + TMP;
  const fh = await fsp.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await hooks.beforeRename?.(tmp, target);
  await fsp.rename(tmp, target);
  const dir = await fsp.open(path.dirname(target), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

export interface Manifest {
  dataset: string;
  format: FileFormat;
  files: { path: string; sha256: string; rows: number }[];
  lineage: {
    at: string;
    reference: string;
    file: string;
    oldSha256: string;
    newSha256: string;
    rowsBefore: number;
    rowsAfter: number;
  }[];
}

/**
 * Erases the subject from every file of the dataset. Files without the subject are not touched (their
 * bytes, times and inode stay); each rewritten file is one atomic rename. `reference` (a request id)
 * goes into the manifest's lineage.
 */
export async function eraseFiles(
  root: string,
  dataset: FileDataset,
  identity: Identity,
  action: FileAction,
  opts: { reference: string; now?: Date; hooks?: FileEraseHooks },
): Promise<FileRewrite[]> {
  const files = await datasetFiles(root, dataset);
  const done: FileRewrite[] = [];
  for (const file of files) {
    // A temporary file left by a worker killed before its rename: the original is whole, start again.
    await fsp.rm(file + TMP, { force: true });
    if (dataset.format === 'parquet') {
      const r = await rewriteParquet(file, dataset, identity, action, opts.hooks);
      if (r) done.push({ ...r, file: path.relative(root, file) });
      continue;
    }
    const before = await fsp.readFile(file);
    const r = rewrite(before.toString('utf8'), dataset, identity, action);
    if (!r.rowsMatched) continue;
    await atomicWrite(file, r.text, opts.hooks);
    done.push({
      file: path.relative(root, file),
      oldSha256: sha256(before),
      newSha256: sha256(r.text),
      rowsBefore: r.rowsBefore,
      rowsAfter: r.rowsAfter,
      rowsMatched: r.rowsMatched,
    });
  }
  if (done.length) await updateManifest(root, dataset, done, opts.reference, opts.now ?? new Date());
  return done;
}

async function updateManifest(
  root: string,
  dataset: FileDataset,
  rewrites: FileRewrite[],
  reference: string,
  now: Date,
): Promise<void> {
  const file = manifestPath(root, dataset);
  const previous = await readManifest(root, dataset);
  const files = [];
  for (const f of await datasetFiles(root, dataset)) {
    const text = await fsp.readFile(f);
    const rows =
      dataset.format === 'parquet'
        ? await withDuckdb(async (db) =>
            Number(
              (await db.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${sqlString(f)})`)).getRowObjectsJson()[0]
                .n,
            ),
          )
        : [...records(text.toString('utf8'), dataset.format)].filter((r) => r.trim() !== '').length -
          (dataset.format === 'csv' ? 1 : 0);
    files.push({ path: path.relative(root, f), sha256: sha256(text), rows: Math.max(0, rows) });
  }
  const lineage = [
    ...(previous?.lineage ?? []),
    ...rewrites.map((r) => ({
      at: now.toISOString(),
      reference,
      file: r.file,
      oldSha256: r.oldSha256,
      newSha256: r.newSha256,
      rowsBefore: r.rowsBefore,
      rowsAfter: r.rowsAfter,
    })),
  ];
  const manifest: Manifest = { dataset: dataset.name, format: dataset.format, files, lineage };
  await atomicWrite(file, JSON.stringify(manifest, null, 2) + '\n');
}

export const manifestPath = (root: string, dataset: FileDataset) =>
  path.join(root, path.dirname(path.normalize(dataset.glob)), MANIFEST);

export async function readManifest(root: string, dataset: FileDataset): Promise<Manifest | null> {
  try {
    return JSON.parse(await fsp.readFile(manifestPath(root, dataset), 'utf8')) as Manifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The subject's records still in the dataset's files, read through DuckDB (every column as text;
 * emails case-insensitively): what verification and the access export see.
 */
export async function findWithDuckdb(
  root: string,
  dataset: FileDataset,
  identity: Identity,
): Promise<{ file: string; rows: Record<string, string | null>[] }[]> {
  const files = await datasetFiles(root, dataset);
  if (!files.length) return [];
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const out: { file: string; rows: Record<string, string | null>[] }[] = [];
    for (const file of files) {
      if (!fs.statSync(file).size) continue;
      const source = sourceOf(file, dataset.format);
      const columns = (await db.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
        .getRowObjectsJson()
        .map((r) => String(r.column_name));
      const cond = subjectCondition(dataset, identity, columns);
      if (!cond) continue;
      const select = columns.map((c) => `CAST(${dq(c)} AS VARCHAR) AS ${dq(c)}`).join(', ');
      const rows = (
        await db.runAndReadAll(`SELECT ${select} FROM ${source} WHERE ${cond}`)
      ).getRowObjectsJson() as Record<string, string | null>[];
      if (rows.length) out.push({ file: path.relative(root, file), rows });
    }
    return out;
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const dq = (identifier: string) => '"' + identifier.replace(/"/g, '""') + '"';

function sourceOf(file: string, format: FileFormat): string {
  if (format === 'csv')
    return `read_csv(${sqlString(file)}, header = true, all_varchar = true, quote = '"', escape = '"')`;
  if (format === 'jsonl') return `read_json(${sqlString(file)}, format = 'newline_delimited')`;
  return `read_parquet(${sqlString(file)})`;
}

/** DuckDB's WHERE for the subject's rows (identity columns as trimmed text, emails case-folded); null when nothing can match. */
function subjectCondition(dataset: FileDataset, identity: Identity, columns: string[]): string | null {
  const conds = Object.entries(dataset.identity).flatMap(([column, kind]) => {
    const values = identity[kind] ?? [];
    if (!values.length || !columns.includes(column)) return [];
    const col = `trim(CAST(${dq(column)} AS VARCHAR))`;
    const list = values.map((v) => sqlString(kind === 'email' ? v.toLowerCase() : v)).join(', ');
    return [kind === 'email' ? `lower(${col}) IN (${list})` : `${col} IN (${list})`];
  });
  return conds.length ? `coalesce(${conds.join(' OR ')}, false)` : null;
}

async function withDuckdb<T>(fn: (db: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    return await fn(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/** A Parquet file rewritten through DuckDB without (or with masked) subject rows; null when it holds none. */
async function rewriteParquet(
  file: string,
  dataset: FileDataset,
  identity: Identity,
  action: FileAction,
  hooks: FileEraseHooks = {},
): Promise<Omit<FileRewrite, 'file'> | null> {
  const oldSha256 = sha256(await fsp.readFile(file));
  const tmp = file + TMP;
  const counts = await withDuckdb(async (db) => {
    const source = sourceOf(file, 'parquet');
    const columns = (await db.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
      .getRowObjectsJson()
      .map((r) => String(r.column_name));
    const cond = subjectCondition(dataset, identity, columns);
    if (!cond) return null;
    const [c] = (
      await db.runAndReadAll(`SELECT count(*) AS total, count(*) FILTER (WHERE ${cond}) AS matched FROM ${source}`)
    ).getRowObjectsJson();
    const total = Number(c.total);
    const matched = Number(c.matched);
    if (!matched) return null;
    const select =
      action.kind === 'delete'
        ? `SELECT * FROM ${source} WHERE NOT ${cond}`
        : `SELECT * REPLACE (${Object.entries(action.fields)
            .filter(([f]) => columns.includes(f))
            .map(
              ([f, v]) => `CASE WHEN ${cond} THEN ${v === null ? 'NULL' : sqlString(v)} ELSE ${dq(f)} END AS ${dq(f)}`,
            )
            .join(', ')}) FROM ${source}`;
    await db.run(`SET preserve_insertion_order = true`);
    await db.run(`COPY (${select}) TO ${sqlString(tmp)} (FORMAT parquet)`);
    return { total, matched };
  });
  if (!counts) return null;
  const fh = await fsp.open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await hooks.beforeRename?.(tmp, file);
  await fsp.rename(tmp, file);
  const dir = await fsp.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
  return {
    oldSha256,
    newSha256: sha256(await fsp.readFile(file)),
    rowsBefore: counts.total,
    rowsAfter: counts.total - (action.kind === 'delete' ? counts.matched : 0),
    rowsMatched: counts.matched,
  };
}

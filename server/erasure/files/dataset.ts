// A files dataset (issue 20): the files its glob lists under the system's root, their atomic rewrite
// (written beside, fsynced, renamed over the original, directory fsynced) and the dataset's manifest
// (`lethe-manifest.json`: files, hashes, row counts, lineage), so a training pipeline can tell its
// snapshot changed. CSV and JSONL are streamed (./stream.ts): every record no rule changes keeps its
// bytes. Parquet has no lines to keep: the rows a rule drops or changes are found through DuckDB,
// decided by the same rules, and the file is copied through DuckDB in row order with only those rows
// left out or replaced, so every other row keeps the md5 of its canonical values.
//
// A worker killed after the write and before the rename leaves the old file whole and a temporary
// file beside it, which the rerun removes; the rerun then finds the subject's records still there and
// rewrites the file once. A rerun after the rename finds nothing to change and writes nothing.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { globParts, globProblem, type FileFormat } from '../../policies/file-glob';
import { countRecords, streamRewrite, type RecordRules } from './stream';
import { anyOf, columnsOf, dq, rowsOf, selectRows, sourceOf, sqlString, withDuckdb } from './duckdb';

export interface FilesSpec {
  /** The dataset's name (the manifest says it). */
  name: string;
  /** Files relative to the system's root: a file name or a pattern in its last segment ("train/*.jsonl"). */
  glob: string;
  format: FileFormat;
}

export interface FileRewrite {
  file: string;
  oldSha256: string;
  newSha256: string;
  rowsBefore: number;
  rowsAfter: number;
  /** Records dropped or changed. */
  rowsMatched: number;
  rowsDropped: number;
  rowsChanged: number;
}

export interface FileEraseHooks {
  /** Called with the temporary file written and fsynced, before the rename (tests kill the worker here). */
  beforeRename?(tmp: string, target: string): Promise<void> | void;
}

export const MANIFEST = 'lethe-manifest.json';
export const TMP = '.lethe-tmp';

/** The dataset's files (absolute paths), sorted; a missing directory is an empty dataset. */
export async function datasetFiles(root: string, spec: FilesSpec): Promise<string[]> {
  const problem = globProblem(spec.glob, spec.format);
  if (problem) throw new Error(`${spec.name}: ${problem}`);
  const { dir, matches } = globParts(spec.glob);
  const abs = path.join(root, dir);
  let names: string[];
  try {
    names = await fsp.readdir(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => matches(n) && !n.endsWith(TMP) && n !== MANIFEST)
    .sort()
    .map((n) => path.join(abs, n));
}

async function fsyncPath(p: string, flags = 'r'): Promise<void> {
  const fh = await fsp.open(p, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The temporary file becomes the target: the target's permission bits (a training pipeline may read
 * it through its group; nobody else should gain access by a rewrite), fsync, rename over, fsync the directory.
 */
async function commit(tmp: string, target: string, hooks: FileEraseHooks): Promise<void> {
  const mode = await fsp.stat(target).then(
    (s) => s.mode & 0o777,
    () => 0o600,
  );
  await fsp.chmod(tmp, mode);
  await fsyncPath(tmp, 'r+');
  await hooks.beforeRename?.(tmp, target);
  await fsp.rename(tmp, target);
  await fsyncPath(path.dirname(target));
}

/** One file rewritten by the rules; null (and the original untouched) when no record changes. */
async function rewriteFile(
  file: string,
  spec: FilesSpec,
  rules: RecordRules & { columns: string[] },
  hooks: FileEraseHooks,
  dryRun: boolean,
): Promise<Omit<FileRewrite, 'file'> | null> {
  const tmp = file + TMP;
  if (dryRun) {
    const r =
      spec.format === 'parquet'
        ? await rewriteParquet(file, null, rules)
        : await streamRewrite(file, null, spec.format, rules);
    return r && (r.rowsDropped || r.rowsChanged) ? { ...r, rowsMatched: r.rowsDropped + r.rowsChanged } : null;
  }
  // A temporary file left by a worker killed before its rename: the original is whole, start again.
  await fsp.rm(tmp, { force: true });
  if (spec.format === 'parquet') {
    const r = await rewriteParquet(file, tmp, rules);
    if (!r) return null;
    await commit(tmp, file, hooks);
    return r;
  }
  const out = await fsp.open(tmp, 'w', 0o600);
  let r;
  try {
    r = await streamRewrite(file, out, spec.format, rules);
  } finally {
    await out.close();
  }
  if (!r.rowsDropped && !r.rowsChanged) {
    await fsp.rm(tmp, { force: true });
    return null;
  }
  await commit(tmp, file, hooks);
  return { ...r, rowsMatched: r.rowsDropped + r.rowsChanged };
}

/** A Parquet file copied through DuckDB with the rows the rules drop left out and the rows they change replaced. */
async function rewriteParquet(
  file: string,
  tmp: string | null,
  rules: RecordRules & { columns: string[] },
): Promise<Omit<FileRewrite, 'file'> | null> {
  const oldSha256 = await sha256File(file);
  const done = await withDuckdb(async (db) => {
    const columns = await columnsOf(db, file, 'parquet');
    const probe = rules.needles
      ? anyOf(
          rules.columns.map((column) => ({ column, values: rules.needles!, contains: true })),
          columns,
        )
      : 'true';
    const [{ n }] = await rowsOf<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM ${sourceOf(file, 'parquet')}`);
    if (!probe) return null;
    const candidates = await selectRows(db, file, 'parquet', columns, probe, ', file_row_number AS "__row"');
    const drops: number[] = [];
    const sets: { row: number; fields: Record<string, string | null> }[] = [];
    for (const row of candidates) {
      const d = rules.decide((c) => row[c]);
      const rowNo = Number(row.__row);
      if (d.kind === 'drop') drops.push(rowNo);
      else if (d.kind === 'set') {
        const fields = Object.fromEntries(
          Object.entries(d.fields).filter(([c, v]) => columns.includes(c) && row[c] !== v),
        );
        if (Object.keys(fields).length) sets.push({ row: rowNo, fields });
      }
    }
    if (!drops.length && !sets.length) return null;
    if (!tmp) return { total: Number(n), dropped: drops.length, changed: sets.length };
    const changed = [...new Set(sets.flatMap((s) => Object.keys(s.fields)))];
    await db.run(
      `CREATE TEMP TABLE lethe_changes ("__row" BIGINT, ${changed.map((c) => `${dq(c)} VARCHAR, ${dq('set:' + c)} BOOLEAN`).join(', ') || 'x INTEGER'})`,
    );
    for (const s of sets)
      await db.run(
        `INSERT INTO lethe_changes VALUES (${s.row}${changed.map((c) => (c in s.fields ? `, ${s.fields[c] === null ? 'NULL' : sqlString(s.fields[c]!)}, true` : ', NULL, false')).join('')})`,
      );
    const types = new Map(
      (await rowsOf(db, `DESCRIBE SELECT * FROM ${sourceOf(file, 'parquet')}`)).map((r) => [
        String(r.column_name),
        String(r.column_type),
      ]),
    );
    const replace = changed.length
      ? ` REPLACE (${changed.map((c) => `CASE WHEN c.${dq('set:' + c)} THEN CAST(c.${dq(c)} AS ${types.get(c)}) ELSE t.${dq(c)} END AS ${dq(c)}`).join(', ')})`
      : '';
    const dropped = drops.length ? `WHERE t.file_row_number NOT IN (${drops.join(', ')})` : '';
    await db.run(`SET preserve_insertion_order = true`);
    await db.run(
      `COPY (SELECT t.* EXCLUDE (file_row_number)${replace} FROM ${sourceOf(file, 'parquet', true)} t LEFT JOIN lethe_changes c ON c."__row" = t.file_row_number ${dropped} ORDER BY t.file_row_number) TO ${sqlString(tmp)} (FORMAT parquet)`,
    );
    return { total: Number(n), dropped: drops.length, changed: sets.length };
  });
  if (!done) return null;
  return {
    oldSha256,
    newSha256: tmp ? await sha256File(tmp) : '',
    rowsBefore: done.total,
    rowsAfter: done.total - done.dropped,
    rowsMatched: done.dropped + done.changed,
    rowsDropped: done.dropped,
    rowsChanged: done.changed,
  };
}

async function sha256File(file: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  const fh = await fsp.open(file, 'r');
  try {
    for await (const chunk of fh.createReadStream({ highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  } finally {
    await fh.close().catch(() => {});
  }
  return hash.digest('hex');
}

/**
 * Applies the rules to every file of the dataset. Files no rule changes are not touched (their bytes,
 * times and inode stay); each rewritten file is one atomic rename. `reference` (a request id) goes
 * into the manifest's lineage. `columns`: the mapped columns Parquet candidates are looked for in.
 * `dryRun` reads and decides every record but writes nothing (the preview and a held step).
 */
export async function rewriteDataset(
  root: string,
  spec: FilesSpec,
  rules: RecordRules & { columns: string[] },
  opts: { reference: string; now?: Date; hooks?: FileEraseHooks; dryRun?: boolean },
): Promise<FileRewrite[]> {
  const done: FileRewrite[] = [];
  for (const file of await datasetFiles(root, spec)) {
    const r = await rewriteFile(file, spec, rules, opts.hooks ?? {}, opts.dryRun ?? false);
    if (r) done.push({ ...r, file: path.relative(root, file) });
  }
  if (done.length && !opts.dryRun) await updateManifest(root, spec, done, opts.reference, opts.now ?? new Date());
  return done;
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

export const manifestPath = (root: string, spec: FilesSpec): string =>
  path.join(root, globParts(spec.glob).dir, MANIFEST);

export async function readManifest(root: string, spec: FilesSpec): Promise<Manifest | null> {
  try {
    return JSON.parse(await fsp.readFile(manifestPath(root, spec), 'utf8')) as Manifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Hash and rows of one file: a rewritten one's from its rewrite, any other read (streamed). */
async function describeFile(
  root: string,
  spec: FilesSpec,
  file: string,
  rewritten: Map<string, FileRewrite>,
): Promise<Manifest['files'][number]> {
  const rel = path.relative(root, file);
  const r = rewritten.get(rel);
  if (r) return { path: rel, sha256: r.newSha256, rows: r.rowsAfter };
  const described =
    spec.format === 'parquet'
      ? {
          sha256: await sha256File(file),
          rows: await withDuckdb(async (db) =>
            Number((await rowsOf(db, `SELECT count(*)::INTEGER AS n FROM ${sourceOf(file, 'parquet')}`))[0].n),
          ),
        }
      : await countRecords(file, spec.format);
  return { path: rel, sha256: described.sha256, rows: described.rows };
}

/** Writes the dataset's manifest as its files are now, keeping any lineage (a new dataset has none yet). */
export async function writeManifest(root: string, spec: FilesSpec): Promise<void> {
  await updateManifest(root, spec, [], '', new Date());
}

async function updateManifest(
  root: string,
  spec: FilesSpec,
  rewrites: FileRewrite[],
  reference: string,
  now: Date,
): Promise<void> {
  const file = manifestPath(root, spec);
  const previous = await readManifest(root, spec);
  const rewritten = new Map(rewrites.map((r) => [r.file, r]));
  const files = [];
  for (const f of await datasetFiles(root, spec)) files.push(await describeFile(root, spec, f, rewritten));
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
  const manifest: Manifest = { dataset: spec.name, format: spec.format, files, lineage };
  const tmp = file + TMP;
  await fsp.writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
  await commit(tmp, file, {});
}

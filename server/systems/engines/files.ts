// Training and export files as a data system (issue 20, `engine: files`): a dataset is a glob of CSV,
// JSONL or Parquet files under the system's root directory. The engine itself lives with the erasure
// engine (server/erasure/files/: streaming rewrite, DuckDB reads, manifest, plan steps), which the
// erasure, export and verification code call for steps of files systems; this module is the direct
// interface for one dataset and one action (drop or mask the subject's records), as used by tools and
// tests, on the same code.
import type { Identity } from '../../erasure/types';
import { datasetFiles, rewriteDataset, type FileEraseHooks, type FileRewrite } from '../../erasure/files/dataset';
import { anyOf, columnsOf, selectRows, withDuckdb } from '../../erasure/files/duckdb';
import { allComparedValues, comparedValues, valueMatcher } from '../../erasure/files/match';
import { needlesFor } from '../../erasure/files/stream';
import { CASE_INSENSITIVE } from '../../erasure/sql';
import type { FileFormat } from '../../policies/file-glob';
import path from 'node:path';

export { MANIFEST, datasetFiles, manifestPath, readManifest, type Manifest } from '../../erasure/files/dataset';
export type { FileFormat, FileEraseHooks };

export interface FileDataset {
  name: string;
  /** Files of the dataset, relative to the system's root: a file name or a `*` pattern in its last segment ("train/*.jsonl"). */
  glob: string;
  format: FileFormat;
  /** Columns (CSV header names, JSONL keys, Parquet columns) holding an identity of the given kind. */
  identity: Record<string, string>;
}

/** What happens to the subject's records: dropped, or kept with these fields replaced (null clears them). */
export type FileAction = { kind: 'delete' } | { kind: 'mask'; fields: Record<string, string | null> };

export type { FileRewrite };

/** Erases the subject from every file of the dataset (see server/erasure/files/dataset.ts). */
export async function eraseFiles(
  root: string,
  dataset: FileDataset,
  identity: Identity,
  action: FileAction,
  opts: { reference: string; now?: Date; hooks?: FileEraseHooks },
): Promise<Pick<FileRewrite, 'file' | 'oldSha256' | 'newSha256' | 'rowsBefore' | 'rowsAfter' | 'rowsMatched'>[]> {
  const matchers = Object.entries(dataset.identity).map(([column, kind]) => ({
    column,
    hit: valueMatcher(identity, kind),
  }));
  const done = await rewriteDataset(
    root,
    dataset,
    {
      columns: Object.keys(dataset.identity),
      needles: needlesFor(allComparedValues(identity, Object.values(dataset.identity)), dataset.format),
      decide: (get) =>
        !matchers.some((m) => m.hit(get(m.column)))
          ? { kind: 'keep' }
          : action.kind === 'delete'
            ? { kind: 'drop' }
            : { kind: 'set', fields: action.fields },
    },
    opts,
  );
  return done.map(({ file, oldSha256, newSha256, rowsBefore, rowsAfter, rowsMatched }) => ({
    file,
    oldSha256,
    newSha256,
    rowsBefore,
    rowsAfter,
    rowsMatched,
  }));
}

/** The subject's records still in the dataset's files, read through DuckDB (every column as text). */
export async function findWithDuckdb(
  root: string,
  dataset: FileDataset,
  identity: Identity,
): Promise<{ file: string; rows: Record<string, string | null>[] }[]> {
  const files = await datasetFiles(root, dataset);
  if (!files.length) return [];
  return withDuckdb(async (db) => {
    const out: { file: string; rows: Record<string, string | null>[] }[] = [];
    for (const file of files) {
      const columns = await columnsOf(db, file, dataset.format);
      const where = anyOf(
        Object.entries(dataset.identity).map(([column, kind]) => ({
          column,
          values: comparedValues(identity, kind),
          ci: CASE_INSENSITIVE.has(kind),
        })),
        columns,
      );
      if (!where) continue;
      const rows = await selectRows(db, file, dataset.format, columns, where);
      if (rows.length) out.push({ file: path.relative(root, file), rows });
    }
    return out;
  });
}

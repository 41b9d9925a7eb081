// Re-identification tests on a files dataset (issue 20, `engine: files`): DuckDB reads every file of
// the dataset (CSV, JSONL or Parquet, unioned by column name) and writes them as one CSV beside the
// system's temporary files; the CSV engine (csv-source.ts) then measures it. So a files dataset gives
// exactly what the same data exported to CSV gives, and memory stays the CSV engine's (streamed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatasetDef } from '../policies/types';
import { datasetFiles } from '../erasure/files/dataset';
import { sqlString, withDuckdb } from '../erasure/files/duckdb';
import { specOf } from '../erasure/files/scan';
import { ReidInputError } from './errors';

/** Runs `fn` on a temporary CSV holding every record of the dataset's files (removed afterwards). */
export async function withDatasetCsv<T>(
  root: string,
  dataset: DatasetDef,
  fn: (csv: string) => Promise<T>,
): Promise<T> {
  const files = await datasetFiles(root, specOf(dataset));
  if (!files.length)
    throw new ReidInputError('bad_option', `dataset ${dataset.name}: no file matches ${dataset.files!.glob}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-reid-files-'));
  const csv = path.join(dir, `${dataset.name}.csv`);
  try {
    const list = `[${files.map(sqlString).join(', ')}]`;
    const source =
      dataset.files!.format === 'csv'
        ? `read_csv(${list}, header = true, all_varchar = true, union_by_name = true, quote = '"', escape = '"')`
        : dataset.files!.format === 'jsonl'
          ? `read_json(${list}, format = 'newline_delimited', union_by_name = true)`
          : `read_parquet(${list}, union_by_name = true)`;
    await withDuckdb(async (db) => {
      await db.run(`SET preserve_insertion_order = true`);
      await db.run(`COPY (SELECT * FROM ${source}) TO ${sqlString(csv)} (FORMAT csv, HEADER true, DELIMITER ',')`);
    });
    return await fn(csv);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

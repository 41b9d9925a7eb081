// Re-identification on a files dataset (issue 20): the same rows as one CSV file (the CSV engine), as
// a files dataset of two JSONL files, as a Parquet snapshot and as two CSV files must give identical
// JSON: the files are read through DuckDB (server/reid/files-source.ts) and measured by the CSV engine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { analyseCsv, type AnalysisOptions } from '../../server/reid/analyse';
import { withDatasetCsv } from '../../server/reid/files-source';
import { applyPolicy, DEFAULT_THRESHOLDS } from '../../server/reid/thresholds';
import type { DatasetDef } from '../../server/policies/types';
import { col, ds } from '../fixtures/demo-datamap';
import { seededRandom } from '../support/random';

const COLUMNS = ['age', 'sex', 'city', 'diagnosis', 'income', 'contact'];
const CITIES = ['Zürich', '東京', 'Saint-Denis, Réunion', 'Say "cheese"', 'Oslo'];
type Row = [number, string | null, string, string | null, number, string | null];

function rows(count: number): Row[] {
  const rnd = seededRandom(7);
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)];
  return Array.from({ length: count }, (_, i): Row => [
    20 + Math.floor(rnd() * 40),
    rnd() < 0.05 ? null : pick(['F', 'M']),
    pick(CITIES),
    rnd() < 0.05 ? null : pick(['flu', 'cold', 'hiv', 'Anämie']),
    Math.floor(rnd() * 20) * 1000,
    i % 97 === 0 ? `user${i}@example.com` : 'no contact',
  ]);
}
const csvField = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const data = rows(2000);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-reid-files-'));
const csvPath = path.join(root, 'all.csv');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const dataset = (glob: string, format: 'csv' | 'jsonl' | 'parquet'): DatasetDef => ({
  ...ds(
    'visits',
    COLUMNS.map((c) => col(c, ['user.health'])),
  ),
  files: { glob, format },
});

beforeAll(async () => {
  const csv = (part: Row[]) => [COLUMNS.join(','), ...part.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
  fs.writeFileSync(csvPath, csv(data));
  for (const d of ['jsonl', 'csv', 'parquet']) fs.mkdirSync(path.join(root, d));
  const half = data.length / 2;
  const jsonl = (part: Row[]) =>
    part.map((r) => JSON.stringify(Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]])))).join('\n') + '\n';
  fs.writeFileSync(path.join(root, 'jsonl/a.jsonl'), jsonl(data.slice(0, half)));
  fs.writeFileSync(path.join(root, 'jsonl/b.jsonl'), jsonl(data.slice(half)));
  fs.writeFileSync(path.join(root, 'csv/a.csv'), csv(data.slice(0, half)));
  fs.writeFileSync(path.join(root, 'csv/b.csv'), csv(data.slice(half)));
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(
    `COPY (SELECT * FROM read_csv('${csvPath}', header = true, all_varchar = true)) TO '${path.join(root, 'parquet/visits.parquet')}' (FORMAT parquet)`,
  );
  db.closeSync();
  instance.closeSync();
});

const options = (extra: Partial<AnalysisOptions> = {}): AnalysisOptions => ({
  quasi: ['age', 'sex', 'city'],
  sensitive: ['diagnosis', 'income'],
  policy: applyPolicy({ ...DEFAULT_THRESHOLDS, l: 2, t: 0.3 }, 'bundle-hash'),
  ...extra,
});

describe('re-identification on a files dataset', () => {
  it('gives the CSV engine’s JSON for the same rows as JSONL (two files), CSV (two files) and Parquet', async () => {
    const fromCsv = await analyseCsv({ file: csvPath }, options({ revealRawClasses: true }));
    expect(fromCsv.records).toBe(2000);
    expect(fromCsv.identifierLeaks.map((l) => `${l.column}:${l.detector}`)).toEqual(['contact:email']);
    for (const [glob, format] of [
      ['jsonl/*.jsonl', 'jsonl'],
      ['csv/*.csv', 'csv'],
      ['parquet/*.parquet', 'parquet'],
    ] as const) {
      const fromFiles = await withDatasetCsv(root, dataset(glob, format), (file) =>
        analyseCsv({ file }, options({ revealRawClasses: true })),
      );
      expect(JSON.stringify(fromFiles, null, 2), format).toBe(JSON.stringify(fromCsv, null, 2));
    }
  });

  it('refuses a dataset whose glob matches no file', async () => {
    await expect(withDatasetCsv(root, dataset('none/*.jsonl', 'jsonl'), async () => null)).rejects.toThrow(
      /no file matches none\/\*\.jsonl/,
    );
  });
});

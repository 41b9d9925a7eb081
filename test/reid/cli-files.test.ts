// `lethe reid --table SYSTEM.DATASET` on a files system (issue 20): the dataset's files are read as a run
// started from the web or a job reads them (server/reid/files-source.ts, DuckDB into the CSV engine),
// found through the system's variable or its `root:` under LETHE_DATA_DIR, and measured exactly as
// the same rows given with --file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../server/reid/cli';
import { rowsOf, withDuckdb } from '../../server/erasure/files/duckdb';
import { copyBundle, runCli } from '../policies/helpers';

const SURVEY_MAP = `apiVersion: lethe/v1
kind: DataSystem
name: survey
description: Customer survey exports.
connection_env: SURVEY_FILES_DIR
engine: files
root: survey
datasets:
  - name: responses
    description: Survey answers, one CSV per wave.
    files: { glob: "waves/*.csv", format: csv }
    columns:
      - name: age
        categories: [user.demographic.age_range]
      - name: sex
        categories: [user.demographic.gender]
      - name: diagnosis
        categories: [user.health_and_medical]
`;

// Two waves; together 10 records in two classes of 5 (meets k = 5), and one lone record in wave 3.
const WAVE_1 =
  'age,sex,diagnosis\n' + ['flu', 'cold', 'hiv'].flatMap((d) => [`30,M,${d}`, `40,F,${d}`]).join('\n') + '\n';
const WAVE_2 = 'age,sex,diagnosis\n' + ['flu', 'cold'].flatMap((d) => [`30,M,${d}`, `40,F,${d}`]).join('\n') + '\n';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-reid-cli-files-'));
const root = path.join(tmp, 'elsewhere');
const dataDir = path.join(tmp, 'data');
let policies: string;

beforeAll(async () => {
  policies = await copyBundle();
  fs.writeFileSync(path.join(policies, 'datamap/survey.yaml'), SURVEY_MAP);
  const check = await runCli('policy', 'check', policies);
  expect(check.code, check.stdout).toBe(0);
  for (const base of [root, path.join(dataDir, 'survey')]) {
    fs.mkdirSync(path.join(base, 'waves'), { recursive: true });
    fs.writeFileSync(path.join(base, 'waves/wave-1.csv'), WAVE_1);
    fs.writeFileSync(path.join(base, 'waves/wave-2.csv'), WAVE_2);
  }
  fs.writeFileSync(path.join(tmp, 'all.csv'), WAVE_1 + WAVE_2.split('\n').slice(1).join('\n'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(policies, { recursive: true, force: true });
});

const args = (...target: string[]) => [
  'reid',
  ...target,
  '--quasi',
  'age,sex',
  '--sensitive',
  'diagnosis',
  '--kind',
  'default',
  '--json',
  '--policies',
  policies,
];
const figures = (stdout: string) => {
  const o = JSON.parse(stdout);
  return {
    records: o.records,
    classes: o.equivalenceClasses,
    k: o.minClassSize,
    prosecutor: o.prosecutor,
    sensitive: o.sensitive,
    riskiest: o.riskiestClasses,
    passed: o.passed,
  };
};

describe('lethe reid --table on a files system', () => {
  it('measures the dataset from the directory in its variable, as --file measures the same rows', async () => {
    const refused = await main(args('--table', 'survey.responses'), (n) => ({ LETHE_DUCKDB_THREADS: '0' })[n]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('LETHE_DUCKDB_THREADS must be a whole number from 1 to 64');
    // The first read of this process: its DuckDB runs with the threads the variable gives.
    const env = (name: string) => ({ SURVEY_FILES_DIR: root, LETHE_DUCKDB_THREADS: '3' })[name];
    const table = await main(args('--table', 'survey.responses'), env);
    const [{ threads }] = await withDuckdb((db) =>
      rowsOf<{ threads: string }>(db, "SELECT current_setting('threads') AS threads"),
    );
    expect(Number(threads)).toBe(3);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const file = await main(args('--file', path.join(tmp, 'all.csv')), () => undefined);
    expect(file.code).toBe(0);
    expect(figures(table.stdout)).toEqual(figures(file.stdout));
    expect(figures(table.stdout)).toMatchObject({ records: 10, classes: 2, k: 5, passed: true });
  });

  it("finds the files under LETHE_DATA_DIR by the system's root: when the variable is unset, and sees a new file", async () => {
    fs.writeFileSync(path.join(dataDir, 'survey/waves/wave-3.csv'), 'age,sex,diagnosis\n77,F,flu\n');
    const env = (name: string) => ({ LETHE_DATA_DIR: dataDir })[name];
    const r = await main(args('--table', 'survey.responses'), env);
    expect(figures(r.stdout)).toMatchObject({ records: 11, classes: 3, k: 1, passed: false });
    expect(r.code).toBe(3);
  });

  it('refuses a dataset the files system does not have, and a directory without its files', async () => {
    const env = (name: string) => ({ SURVEY_FILES_DIR: root })[name];
    const unknown = await main(args('--table', 'survey.answers'), env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('survey has no dataset answers');
    const empty = await main(args('--table', 'survey.responses'), (n) => ({ SURVEY_FILES_DIR: tmp })[n]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('dataset responses: no file matches waves/*.csv');
  });
});

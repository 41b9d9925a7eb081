// The same rows as a CSV file and as a Postgres table must give byte-identical JSON: the table is
// aggregated by one GROUP BY in the database, the file in one streaming pass, and both feed the
// same class-count structure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { analyseCsv, analyseTable, type AnalysisOptions } from '../../server/reid/analyse';
import { ReidInputError } from '../../server/reid/errors';
import { readTableClasses } from '../../server/reid/pg-source';
import { applyPolicy, DEFAULT_THRESHOLDS } from '../../server/reid/thresholds';
import { csvField, VISIT_COLUMNS, visitRows, visitsCsv } from '../fixtures/visits';

const COLUMNS = VISIT_COLUMNS;
const CITIES = ['Zürich', '東京', 'Saint-Denis, Réunion', 'Say "cheese"', '', 'Oslo', '😀 town'];
const DIAGNOSES = ['flu', 'cold', 'hiv', '', 'Anämie'];

let tdb: TestDatabase;
let dir: string;
let csvPath: string;
let populationPath: string;
const data = visitRows(3000, 42, CITIES, DIAGNOSES);

beforeAll(async () => {
  tdb = await createTestDatabase({ empty: true });
  await tdb.db.raw('CREATE SCHEMA clinic');
  await tdb.db.schema.withSchema('clinic').createTable('visits', (t) => {
    t.integer('age');
    t.text('sex');
    t.text('home city');
    t.text('we"ird');
    t.text('diagnosis');
    t.integer('income');
    t.text('contact');
    t.timestamp('seen_at', { useTz: false });
  });
  const objects = data.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]])));
  for (let i = 0; i < objects.length; i += 500)
    await tdb.db
      .withSchema('clinic')
      .table('visits')
      .insert(objects.slice(i, i + 500));
  await tdb.db.raw('ANALYZE clinic.visits');

  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-reid-parity-'));
  csvPath = path.join(dir, 'visits.csv');
  fs.writeFileSync(csvPath, visitsCsv(data));
  // A population: every dataset record, twice, plus others.
  populationPath = path.join(dir, 'population.csv');
  const pop = [...data, ...data].map((r) => [r[0], r[1], r[2], r[3]].map(csvField).join(','));
  fs.writeFileSync(populationPath, ['age,sex,home city,"we""ird"', ...pop, '99,F,Nowhere,x'].join('\n'));
});

afterAll(async () => {
  await tdb?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const options = (extra: Partial<AnalysisOptions> = {}): AnalysisOptions => ({
  quasi: ['age', 'sex', 'home city', 'we"ird'],
  sensitive: ['diagnosis', 'income'],
  policy: applyPolicy({ ...DEFAULT_THRESHOLDS, l: 2, t: 0.3 }, 'bundle-hash'),
  ...extra,
});

describe('CSV and Postgres sources', () => {
  it('give identical JSON for the same rows, NULLs in the table being empty strings in the file', async () => {
    const fromCsv = await analyseCsv({ file: csvPath }, options());
    const fromTable = await analyseTable(tdb.db, 'clinic.visits', options());
    expect(JSON.stringify(fromTable, null, 2)).toBe(JSON.stringify(fromCsv, null, 2));
    // the comparison is only meaningful if the data exercises what differs between the sources
    expect(fromCsv.records).toBe(3000);
    // Risky classes are listed generalized (issue 12); the raw listing of a reveal must agree too, and
    // it is where the NULL / '' equivalence shows.
    const rawCsv = await analyseCsv({ file: csvPath }, options({ revealRawClasses: true }));
    const rawTable = await analyseTable(tdb.db, 'clinic.visits', options({ revealRawClasses: true }));
    expect(JSON.stringify(rawTable.riskiestClasses)).toBe(JSON.stringify(rawCsv.riskiestClasses));
    expect(rawCsv.riskiestClasses.some((c) => Object.values(c.values).includes(''))).toBe(true);
    expect(fromCsv.riskiestClasses.every((c) => c.generalized)).toBe(true);
    expect(fromCsv.identifierLeaks.map((l) => `${l.column}:${l.detector}`)).toEqual(['contact:email', 'contact:phone']);
    expect(fromCsv.sensitive.income.orderedTCloseness).not.toBeNull();
  });

  it('give identical JSON with journalist and marketer risk and a linkage attack', async () => {
    const register = path.join(dir, 'register.csv');
    fs.writeFileSync(
      register,
      'age,sex\n' +
        data
          .slice(0, 50)
          .map((r) => `${r[0]},${r[1] ?? ''}`)
          .join('\n') +
        '\n',
    );
    const extra = { population: { file: populationPath }, linkage: { file: register, on: ['age', 'sex'] } };
    const fromCsv = await analyseCsv({ file: csvPath }, options(extra));
    const fromTable = await analyseTable(tdb.db, 'clinic.visits', options(extra));
    expect(JSON.stringify(fromTable)).toBe(JSON.stringify(fromCsv));
    expect(fromCsv.journalist!.populationRecords).toBe(6001);
    expect(fromCsv.linkage!.auxiliaryRecords).toBe(50);
  });

  it('reports the fetch progress of a table up to done', async () => {
    const seen: string[] = [];
    await analyseTable(tdb.db, 'clinic.visits', options({ onProgress: (p) => seen.push(p.phase) }));
    expect(seen[0]).toBe('grouping');
    expect(seen).toContain('fetching');
    expect(seen.at(-1)).toBe('done');
  });
});

describe('cancelling', () => {
  it('stops a CSV or table analysis whose signal is aborted, and the pool stays usable', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(analyseCsv({ file: csvPath }, options({ signal: controller.signal }))).rejects.toThrow(/abort/i);
    await expect(analyseTable(tdb.db, 'clinic.visits', options({ signal: controller.signal }))).rejects.toThrow(
      /abort/i,
    );
    const midway = new AbortController();
    const run = analyseTable(
      tdb.db,
      'clinic.visits',
      options({ signal: midway.signal, onProgress: (p) => p.phase === 'grouping' && midway.abort() }),
    );
    await expect(run).rejects.toThrow(/abort|cancel/i);
    expect((await tdb.db.raw('SELECT 1 AS one')).rows[0].one).toBe(1);
  });
});

describe('readTableClasses', () => {
  it('names an unknown column, an unknown table and refuses a malformed name', async () => {
    const unknownColumn = await readTableClasses(tdb.db, { table: 'clinic.visits', quasi: ['zip'] }).catch((e) => e);
    expect(unknownColumn).toBeInstanceOf(ReidInputError);
    expect(unknownColumn.problem).toBe('unknown_column');
    expect(unknownColumn.message).toMatch(/unknown column "zip"; clinic.visits has: age, sex, home city/);
    const unknownTable = await readTableClasses(tdb.db, { table: 'visits', quasi: ['age'] }).catch((e) => e);
    expect(unknownTable.problem).toBe('unknown_table');
    const malformed = await readTableClasses(tdb.db, { table: 'a.b.c', quasi: ['age'] }).catch((e) => e);
    expect(malformed.problem).toBe('bad_option');
  });

  it('treats an injection attempt in a column name as an unknown column', async () => {
    const err = await readTableClasses(tdb.db, { table: 'clinic.visits', quasi: ['age" FROM pg_user; --'] }).catch(
      (e) => e,
    );
    expect(err.problem).toBe('unknown_column');
  });
});

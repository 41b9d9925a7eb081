// Re-identification on a MariaDB table through its GROUP BY push-down (issue 20): the same rows as a
// CSV file and as a table must give byte-identical JSON, as they do on PostgreSQL
// (test/reid/csv-postgres-parity.test.ts). The database's default collation is utf8mb4_general_ci,
// which folds case and trailing spaces: the data holds "Oslo", "oslo" and "Oslo " as three cities,
// so a grouping by collation would merge classes the CSV keeps apart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlDatabase, type MysqlDatabase } from '../support/mysql';
import { analyseCsv, analyseTable, type AnalysisOptions } from '../../server/reid/analyse';
import { requirePushDown } from '../../server/reid/measure-run';
import { applyPolicy, DEFAULT_THRESHOLDS } from '../../server/reid/thresholds';
import { createConnections, type Connections } from '../../server/systems/connections';
import type { PolicyBundle } from '../../server/policies/types';
import { scenarioSystem } from './scenario';
import { visitRows, visitsCsv } from '../fixtures/visits';

const CITIES = ['Zürich', '東京', 'Saint-Denis, Réunion', 'Say "cheese"', '', 'Oslo', 'oslo', 'Oslo ', '😀 town'];
const DIAGNOSES = ['flu', 'cold', 'hiv', '', 'Anämie', 'FLU'];

const data = visitRows(3000, 7, CITIES, DIAGNOSES);
let my: MysqlDatabase;
let connections: Connections;
let dir: string;
let csvPath: string;

beforeAll(async () => {
  my = await createMysqlDatabase();
  await my.exec(
    'CREATE TABLE visits (age int, sex varchar(2), `home city` varchar(100), `we"ird` varchar(10), ' +
      'diagnosis varchar(40), income int, contact varchar(100), seen_at datetime)',
  );
  for (let i = 0; i < data.length; i += 500) {
    const batch = data.slice(i, i + 500);
    await my.exec(`INSERT INTO visits VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, batch.flat());
  }
  await my.exec('ANALYZE TABLE visits');
  const system = { ...scenarioSystem('mysql', 'VISITS_URL'), name: 'clinic' };
  connections = createConnections({ systems: [system] }, () => my.url);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-mysql-reid-'));
  csvPath = path.join(dir, 'visits.csv');
  fs.writeFileSync(csvPath, visitsCsv(data));
});

afterAll(async () => {
  await connections?.destroy();
  await my?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const options = (extra: Partial<AnalysisOptions> = {}): AnalysisOptions => ({
  quasi: ['age', 'sex', 'home city', 'we"ird'],
  sensitive: ['diagnosis', 'income'],
  policy: applyPolicy({ ...DEFAULT_THRESHOLDS, l: 2, t: 0.3 }, 'bundle-hash'),
  ...extra,
});

describe('a MariaDB table', () => {
  it('gives the same JSON as the CSV of the same rows, cities that differ only in case or a trailing space kept apart', async () => {
    const fromCsv = await analyseCsv({ file: csvPath }, options());
    const fromTable = await analyseTable(connections.get('clinic'), 'visits', options());
    expect(JSON.stringify(fromTable, null, 2)).toBe(JSON.stringify(fromCsv, null, 2));
    expect(fromCsv.records).toBe(3000);
    const raw = await analyseTable(connections.get('clinic'), 'visits', options({ revealRawClasses: true }));
    expect(JSON.stringify(raw.riskiestClasses)).toBe(
      JSON.stringify((await analyseCsv({ file: csvPath }, options({ revealRawClasses: true }))).riskiestClasses),
    );
    expect(fromTable.identifierLeaks.map((l) => `${l.column}:${l.detector}`)).toEqual([
      'contact:email',
      'contact:phone',
    ]);
    // The data exercises the collation: grouped by the column's own collation, the three spellings of
    // Oslo (and "flu"/"FLU") would be one value, and the JSON above would differ.
    const [folded] = (await connections
      .get('clinic')
      .raw('SELECT COUNT(DISTINCT "home city") AS n FROM visits')) as unknown as [{ n: number }[]];
    const distinct = new Set(data.map((r) => r[2]).filter((c) => c !== null)).size;
    expect(Number(folded[0].n)).toBe(distinct - 2);
  });

  it('is no longer refused by the run for a mysql system, and names an unknown column', async () => {
    const bundle = { datamap: { systems: [scenarioSystem('mysql', 'SHOP_URL')] } } as unknown as PolicyBundle;
    expect(() => requirePushDown(bundle, 'shop')).not.toThrow();
    const err = await analyseTable(connections.get('clinic'), 'visits', options({ quasi: ['zip'] })).catch((e) => e);
    expect(err.problem).toBe('unknown_column');
    expect(err.message).toMatch(/unknown column "zip"; visits has: age, sex, home city/);
  });

  it('stops when its signal is aborted, and the pool stays usable', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      analyseTable(connections.get('clinic'), 'visits', options({ signal: controller.signal })),
    ).rejects.toThrow(/abort/i);
    const [rows] = (await connections.get('clinic').raw('SELECT 1 AS one')) as unknown as [{ one: number }[]];
    expect(rows[0].one).toBe(1);
  });
});

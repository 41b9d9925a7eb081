import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { main } from '../../server/reid/cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-reid-cli-'));
const noPolicies = path.join(dir, 'no-policies'); // no reid.yaml: the built-in thresholds apply
const repoPolicies = path.resolve('policies');

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

// 10 records in two classes of 5 with varied diagnoses: meets k = 5 and the default thresholds.
const safe = file(
  'safe.csv',
  'age;sex;diagnosis\n' +
    ['flu', 'cold', 'hiv', 'flu', 'cold'].flatMap((d) => [`30;M;${d}`, `40;F;${d}`]).join('\n') +
    '\n',
);
const risky = file('risky.csv', 'age,sex,email\n30,M,a@example.com\n31,F,\n32,M,\n');

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase({ empty: true });
  await tdb.db.schema.createTable('training_snapshot_2026_10', (t) => {
    t.integer('age');
    t.text('zip');
    t.text('text');
  });
  await tdb.db('training_snapshot_2026_10').insert(
    Array.from({ length: 40 }, (_, i) => ({
      age: 30 + (i % 2),
      zip: i % 2 ? null : '8001',
      text: i === 7 ? 'call me on +41 44 668 18 00' : 'hello',
    })),
  );
});
afterAll(async () => {
  await tdb?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('lethe reid', () => {
  it('prints one JSON object with the documented fields and exits 0 when the dataset passes', async () => {
    const r = await main([
      'reid',
      '--file',
      safe,
      '--delimiter',
      ';',
      '--quasi',
      'age,sex',
      '--sensitive',
      'diagnosis',
      '--json',
      '--policies',
      noPolicies,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o).toMatchObject({
      records: 10,
      equivalenceClasses: 2,
      minClassSize: 5,
      maxClassSize: 5,
      sampleUniques: 0,
      sampleUniqueness: 0,
      recordsBelowK: { '2': 0, '3': 0, '5': 0, '10': 10 },
      prosecutor: { highest: 0.2, average: 0.2, recordsAtRisk: 0, riskThreshold: 0.2 },
      journalist: null,
      marketer: null,
      sensitive: { diagnosis: { distinctL: 3, recordsBelowL: { '2': 0, '3': 0 }, tCloseness: 0 } },
      identifierLeaks: [],
      passed: true,
      violations: [],
      policy: { kind: 'default', bundleHash: null },
    });
    expect(o.sensitive.diagnosis.entropyL).toBeCloseTo(Math.exp(-(0.4 * Math.log(0.4) * 2 + 0.2 * Math.log(0.2))), 12);
  });

  it('exits 3 with a one-line reason when the dataset fails, listing every violated threshold', async () => {
    const r = await main(['reid', '--file', risky, '--quasi', 'age,sex', '--json', '--policies', noPolicies]);
    expect(r.code).toBe(3);
    const o = JSON.parse(r.stdout);
    expect(o.passed).toBe(false);
    expect(o.identifierLeaks).toEqual([{ column: 'email', detector: 'email', count: 1, examples: ['a***@e***.com'] }]);
    expect(o.violations.map((v: { threshold: string }) => v.threshold)).toEqual([
      'k',
      'maxProsecutorRisk',
      'maxRecordsAtRisk',
      'zeroLeakedIdentifiers',
    ]);
    expect(r.stderr).toBe(
      'lethe reid: the dataset fails the policy: k, maxProsecutorRisk, maxRecordsAtRisk, zeroLeakedIdentifiers(email)\n',
    );
    expect(r.stdout).not.toContain('a@example.com');
  });

  it('exits 1 with one line on stderr for an unknown column, an unreadable file or a bad option', async () => {
    for (const argv of [
      ['--file', safe, '--quasi', 'age,zip'],
      ['--file', path.join(dir, 'missing.csv'), '--quasi', 'age'],
      ['--file', safe, '--quasi', 'age', '--risk-threshold', '2'],
      ['--file', safe],
      ['--quasi', 'age'],
    ]) {
      const r = await main(['reid', ...argv, '--json', '--policies', noPolicies]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^lethe reid: [^\n]+\n$/);
    }
    expect((await main(['reid', '--file', safe, '--quasi', 'age,zip', '--policies', noPolicies])).stderr).toMatch(
      /unknown column "zip"/,
    );
  });

  it('adds journalist and marketer risk with --population and applies --risk-threshold', async () => {
    const population = file(
      'population.csv',
      'age,sex\n' + '30,M\n'.repeat(3) + '31,F\n'.repeat(4) + '32,M\n'.repeat(10),
    );
    const r = await main([
      'reid',
      '--file',
      risky,
      '--quasi',
      'age,sex',
      '--population',
      population,
      '--risk-threshold',
      '0.3',
      '--json',
      '--policies',
      noPolicies,
    ]);
    const o = JSON.parse(r.stdout);
    expect(o.prosecutor.riskThreshold).toBe(0.3);
    expect(o.journalist).toEqual({ highest: 1 / 3, recordsAtRisk: 1 / 3, riskThreshold: 0.3, populationRecords: 17 });
    expect(o.marketer.risk).toBeCloseTo((1 / 3 + 1 / 4 + 1 / 10) / 3, 12);
  });

  it("uses the bundle's thresholds for the release kind and stamps the bundle hash", async () => {
    const r = await main([
      'reid',
      '--file',
      safe,
      '--delimiter',
      ';',
      '--quasi',
      'age,sex',
      '--kind',
      'export',
      '--json',
      '--policies',
      repoPolicies,
    ]);
    const o = JSON.parse(r.stdout);
    expect(o.policy.kind).toBe('export');
    expect(o.policy.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    expect(o.policy.thresholds.source).toMatch(/^reid\.yaml:\d+:\d+$/);
    expect(r.code).toBe(3); // k = 5 < 10
    expect(o.violations[0].threshold).toBe('k');
  });

  it('tests a registered Postgres table with --table, reaching it through the data map', async () => {
    const env = (name: string) => (name === 'ASSISTANT_DATABASE_URL' ? tdb.url : undefined);
    const argv = [
      'reid',
      '--table',
      'assistant.training_snapshot_2026_10',
      '--quasi',
      'age,zip',
      '--json',
      '--policies',
      repoPolicies,
    ];
    const r = await main(argv, env);
    const o = JSON.parse(r.stdout);
    expect(o.records).toBe(40);
    expect(o.equivalenceClasses).toBe(2);
    expect(o.policy.kind).toBe('training_snapshot'); // the dataset's release_kind
    expect(o.identifierLeaks).toEqual([
      { column: 'text', detector: 'phone', count: 1, examples: ['+** ** *** ** 00'] },
    ]);
    expect(r.code).toBe(3);
    const missing = await main(argv, () => undefined);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'lethe reid: data system assistant: set ASSISTANT_DATABASE_URL to its connection string\n',
    );
  });

  it('prints a readable summary without --json', async () => {
    const r = await main(['reid', '--file', risky, '--quasi', 'age,sex', '--policies', noPolicies]);
    expect(r.stdout).toMatch(/^FAILED: thresholds "default" \(\(built-in defaults\)\)/);
    expect(r.stdout).toContain('✗ k-anonymity is 1, the policy requires at least 5');
    expect(r.stdout).toContain('leak: email holds email addresses in 1 record (a***@e***.com)');
  });
});

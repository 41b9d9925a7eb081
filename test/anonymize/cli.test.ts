// `lethe anonymize` end to end: CSV in, hierarchies from ARX files and rules, the anonymized CSV
// out, the JSON the issue names, the re-identification gate on the output, and the exit codes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adultHierarchies, ADULT_COLUMNS, writeAdultCsv } from '../../bench/anonymize-generate';
import { hierarchyToCsv, parseHierarchyCsv } from '../../server/reid/hierarchy';
import { cliRunner } from '../support/cli';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-anonymize-cli-'));
const noPolicies = path.join(dir, 'no-policies'); // built-in thresholds: k 5, highest risk 0.2
const run = cliRunner({ ...process.env, LETHE_POLICIES_DIR: noPolicies });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const QUASI = ['age', 'zip', 'education', 'marital_status', 'country'];

async function fixture(rows: number): Promise<{ csv: string; args: string[] }> {
  const csv = path.join(dir, `adult-${rows}.csv`);
  await writeAdultCsv(csv, rows, 99);
  const args: string[] = [];
  for (const [attr, spec] of Object.entries(adultHierarchies())) {
    if (!QUASI.includes(attr)) continue;
    if ('csv' in spec) {
      const file = path.join(dir, `${attr}.csv`);
      fs.writeFileSync(file, hierarchyToCsv(parseHierarchyCsv(attr, spec.csv)));
      args.push('--hierarchy', `${attr}=${file}`);
    }
  }
  args.push('--rule', 'age=interval:5,10,20', '--rule', 'zip=mask:1,2,3');
  return { csv, args };
}

function readCsv(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
}

describe('lethe anonymize', () => {
  it('writes a version that satisfies k and the suppression limit, reports it as JSON and passes the gate', async () => {
    const { csv, args } = await fixture(3000);
    const out = path.join(dir, 'out.csv');
    const r = await run([
      'anonymize',
      '--file',
      csv,
      '--quasi',
      QUASI.join(','),
      ...args,
      '--k',
      '5',
      '--max-suppression',
      '0.04',
      '--metric',
      'loss',
      '--out',
      out,
      '--json',
      '--policies',
      noPolicies,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out);
    expect(Object.keys(o.levels)).toEqual(QUASI);
    expect(o.metric).toBe('loss');
    expect(o.value).toBe(o.metrics.loss);
    expect(o.suppressed).toBeLessThanOrEqual(120);
    expect(o.released).toBe(true);
    expect(o.after).toMatchObject({ passed: true, violations: [] });
    expect(o.before.passed).toBe(false);

    const rows = readCsv(out);
    expect(rows[0]).toEqual(ADULT_COLUMNS);
    expect(rows.length - 1).toBe(3000 - o.suppressed);
    // Every released class has at least 5 records, and the number of classes is the one reported.
    const qi = QUASI.map((q) => ADULT_COLUMNS.indexOf(q));
    const classes = new Map<string, number>();
    for (const row of rows.slice(1)) {
      const key = qi.map((c) => row[c]).join('|');
      classes.set(key, (classes.get(key) ?? 0) + 1);
    }
    expect(Math.min(...classes.values())).toBeGreaterThanOrEqual(5);
    expect(classes.size).toBe(o.classes);
    // Levels above 0 really generalize: e.g. ZIP at level ≥ 1 ends with a mask.
    if (o.levels.zip >= 1 && o.levels.zip < 4) expect(rows.slice(1).every((row) => row[2].endsWith('*'))).toBe(true);
    // Non-QI columns are untouched.
    expect(new Set(rows.slice(1).map((row) => row[ADULT_COLUMNS.indexOf('salary')]))).toEqual(
      new Set(['<=50K', '>50K']),
    );
  });

  it('uses the release policy for the models when none is given, and gates by it', async () => {
    const { csv, args } = await fixture(2000);
    const out = path.join(dir, 'policy.csv');
    const r = await run([
      'anonymize',
      '--file',
      csv,
      '--quasi',
      QUASI.join(','),
      ...args,
      '--out',
      out,
      '--json',
      '--policies',
      path.resolve('policies'),
      '--kind',
      'export',
      '--sensitive',
      'diagnosis',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out);
    // The export kind asks k 10, highest risk 0.1, l 2.
    expect(o.models).toMatchObject({ k: 10, highestRisk: 0.1, l: { variant: 'distinct', l: 2 }, minClassSize: 10 });
    expect(o.after.k).toBeGreaterThanOrEqual(10);
    expect(o.after.passed).toBe(true);
  });

  it('exits 3 when no transformation satisfies the models', async () => {
    const { csv, args } = await fixture(30);
    const r = await run([
      'anonymize',
      '--file',
      csv,
      '--quasi',
      QUASI.join(','),
      ...args,
      '--k',
      '50',
      '--out',
      path.join(dir, 'none.csv'),
      '--json',
      '--policies',
      noPolicies,
    ]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no transformation satisfies/);
    expect(JSON.parse(r.out).levels).toBeNull();
  });

  it('exits 1 with one line for a missing hierarchy or a bad hierarchy file', async () => {
    const { csv } = await fixture(30);
    const r = await run([
      'anonymize',
      '--file',
      csv,
      '--quasi',
      'age,zip',
      '--rule',
      'age=interval:5,10',
      '--k',
      '2',
      '--out',
      path.join(dir, 'x.csv'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/give a hierarchy \(file or rule\) for the quasi-identifier zip/);
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'a;x;*\nb;x;*\nc;y\n');
    const r2 = await run([
      'anonymize',
      '--file',
      csv,
      '--quasi',
      'race',
      '--hierarchy',
      `race=${bad}`,
      '--k',
      '2',
      '--out',
      path.join(dir, 'x.csv'),
    ]);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/row 3 has 2 levels, row 1 has 3/);
  });

  it('pseudonymizes direct identifiers with a per-dataset HMAC key or a mask, so the leak gate passes', async () => {
    // 40 records in two classes of 20; an email and a phone per person (each email twice).
    const rows = Array.from(
      { length: 40 },
      (_, i) =>
        `${30 + (i % 2) * 10},${i % 2 ? 'F' : 'M'},person${i % 20}@example.com,+41 44 668 18 ${String(i).padStart(2, '0')}`,
    );
    const csv = path.join(dir, 'people.csv');
    fs.writeFileSync(csv, 'age,sex,email,phone\n' + rows.join('\n') + '\n');
    const base = [
      'anonymize',
      '--file',
      csv,
      '--quasi',
      'age,sex',
      '--rule',
      'age=interval:10,20',
      '--hierarchy',
      `sex=${path.join(dir, 'sex.csv')}`,
      '--k',
      '5',
      '--policies',
      noPolicies,
      '--json',
    ];
    fs.writeFileSync(path.join(dir, 'sex.csv'), 'M;person;*\nF;person;*\n');

    const plain = await run([...base, '--out', path.join(dir, 'plain.csv')]);
    expect(plain.code).toBe(3); // the output still holds emails and phone numbers
    expect(JSON.parse(plain.out).after.violations.join(' ')).toMatch(/email addresses/);

    const keyFile = path.join(dir, 'people.key');
    const out = path.join(dir, 'pseudo.csv');
    const r = await run([
      ...base,
      '--pseudonymize',
      'email=hmac',
      '--pseudonymize',
      'phone=mask',
      '--pseudonym-key-file',
      keyFile,
      '--out',
      out,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).after.passed).toBe(true);
    expect((fs.statSync(keyFile).mode & 0o777).toString(8)).toBe('600');
    const lines = readCsv(out).slice(1);
    const emails = lines.map((l) => l[2]);
    expect(emails.every((e) => /^[a-z2-7]{20}$/.test(e))).toBe(true);
    expect(new Set(emails).size).toBe(20); // the same person keeps the same token
    expect(lines.map((l) => l[3])).toContain('+00 00 000 00 00');

    // Another key (the old one destroyed) gives unrelated tokens.
    fs.rmSync(keyFile);
    const again = await run([
      ...base,
      '--pseudonymize',
      'email=hmac',
      '--pseudonym-key-file',
      keyFile,
      '--pseudonymize',
      'phone=mask',
      '--out',
      out,
    ]);
    expect(again.code).toBe(0);
    const emails2 = readCsv(out)
      .slice(1)
      .map((l) => l[2]);
    expect(emails2.filter((e) => emails.includes(e))).toEqual([]);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseCsv } from '../../server/reid/analyse';
import { readCsvClasses } from '../../server/reid/csv-source';
import { ReidInputError } from '../../server/reid/errors';
import { analyseClasses, computeMetrics, type ClassListInput } from '../../server/reid/metrics';
import { applyPolicy, DEFAULT_THRESHOLDS } from '../../server/reid/thresholds';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-reid-csv-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

async function* chunks(bytes: Buffer, size: number) {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

// The six hand-computed records of server/reid/metrics.test.ts, as a file.
const SAMPLE =
  'age,sex,diagnosis,income\n30,M,flu,10\n40,F,flu,10\n30,M,flu,20\n50,M,cold,20\n30,M,cold,30\n40,F,hiv,40\n';
const SAMPLE_CLASSES: ClassListInput = {
  quasi: ['age', 'sex'],
  sensitive: ['diagnosis', 'income'],
  classes: [
    {
      values: ['30', 'M'],
      size: 3,
      histograms: { diagnosis: { flu: 2, cold: 1 }, income: { '10': 1, '20': 1, '30': 1 } },
    },
    { values: ['40', 'F'], size: 2, histograms: { diagnosis: { flu: 1, hiv: 1 }, income: { '10': 1, '40': 1 } } },
    { values: ['50', 'M'], size: 1, histograms: { diagnosis: { cold: 1 }, income: { '20': 1 } } },
  ],
};

async function metricsOf(content: string | Buffer, quasi: string[], sensitive: string[] = [], delimiter?: string) {
  const { table } = await readCsvClasses({ file: file(`m${Math.random()}.csv`, content), quasi, sensitive, delimiter });
  return computeMetrics(table);
}

async function failure(promise: Promise<unknown>): Promise<ReidInputError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReidInputError);
  return err as ReidInputError;
}

describe('readCsvClasses', () => {
  it('gives the same figures as the class list the rows form', async () => {
    const fromCsv = await metricsOf(SAMPLE, ['age', 'sex'], ['diagnosis', 'income']);
    expect(JSON.stringify(fromCsv)).toBe(JSON.stringify(analyseClasses(SAMPLE_CLASSES)));
  });

  it('reads a byte-order mark, CRLF, quoted fields and a detected semicolon delimiter', async () => {
    const text =
      '\uFEFFage;"city"\r\n30;"Zürich"\r\n30;"Zürich"\r\n41;"Saint-Denis; Réunion"\r\n41;"Saint-Denis; Réunion"\r\n';
    const m = await metricsOf(text, ['age', 'city']);
    expect(m.equivalenceClasses).toBe(2);
    expect(m.minClassSize).toBe(2);
    expect(m.riskiestClasses.map((c) => c.values.city)).toEqual(['Zürich', 'Saint-Denis; Réunion']);
  });

  it('keeps empty strings and unescaped quotes as ordinary values', async () => {
    const m = await metricsOf('a,b\n,\n"",""\n,x\n"say ""x""",\n', ['a', 'b']);
    expect(m.equivalenceClasses).toBe(3);
    expect(m.riskiestClasses).toEqual([
      { values: { a: '', b: 'x' }, size: 1 },
      { values: { a: 'say "x"', b: '' }, size: 1 },
      { values: { a: '', b: '' }, size: 2 },
    ]);
  });

  it('uses the delimiter it is given', async () => {
    const m = await metricsOf('a|b\n1|2\n1|2\n', ['a', 'b'], [], '|');
    expect(m.minClassSize).toBe(2);
  });

  it('gives the same classes when an upload arrives in tiny chunks', async () => {
    const bytes = Buffer.from('\uFEFF' + SAMPLE.replace(/\n/g, '\r\n'));
    for (const size of [1, 3, 64]) {
      const { table } = await readCsvClasses({
        stream: chunks(bytes, size),
        quasi: ['age', 'sex'],
        sensitive: ['diagnosis', 'income'],
        delimiter: ',',
      });
      expect(JSON.stringify(computeMetrics(table))).toBe(JSON.stringify(analyseClasses(SAMPLE_CLASSES)));
    }
  });

  it('scans every column for direct identifiers in the same pass', async () => {
    const { leaks } = await readCsvClasses({
      file: file(
        'leaks.csv',
        'age,contact,note\n30,jane@example.com,"card 4242 4242 4242 4242"\n31,+49 30 1234567,ok\n',
      ),
      quasi: ['age'],
    });
    expect(leaks!.results()).toEqual([
      { column: 'contact', detector: 'email', count: 1, examples: ['j***@e***.com'] },
      { column: 'contact', detector: 'phone', count: 1, examples: ['+** ** *****67'] },
      { column: 'note', detector: 'payment_card', count: 1, examples: ['**** **** **** 4242'] },
    ]);
  });

  it('names an unknown column and lists the ones the file has', async () => {
    const err = await failure(readCsvClasses({ file: file('u.csv', SAMPLE), quasi: ['age', 'zip'] }));
    expect(err.problem).toBe('unknown_column');
    expect(err.message).toBe('unknown column "zip"; the file has: age, sex, diagnosis, income');
  });

  it('refuses unreadable, empty, oversized, ragged and non-UTF-8 files', async () => {
    expect((await failure(readCsvClasses({ file: path.join(dir, 'missing.csv'), quasi: ['a'] }))).problem).toBe(
      'unreadable_file',
    );
    expect((await failure(readCsvClasses({ file: dir, quasi: ['a'] }))).problem).toBe('unreadable_file');
    expect((await failure(readCsvClasses({ file: file('e.csv', ''), quasi: ['a'] }))).problem).toBe('empty');
    expect(
      (await failure(readCsvClasses({ file: file('big.csv', SAMPLE), quasi: ['age'], maxBytes: 10 }))).problem,
    ).toBe('too_large');
    const ragged = await failure(readCsvClasses({ file: file('r.csv', 'a,b\n1,2\n3\n'), quasi: ['a'] }));
    expect(ragged.message).toMatch(/row 3 .*1 fields where the header has 2/);
    const latin1 = await failure(
      readCsvClasses({ file: file('l.csv', Buffer.from('a\nZ\xfcrich\n', 'latin1')), quasi: ['a'] }),
    );
    expect(latin1.message).toMatch(/not valid UTF-8/);
    const nul = await failure(readCsvClasses({ file: file('n.csv', 'a\nx\0y\n'), quasi: ['a'] }));
    expect(nul.message).toMatch(/NUL/);
  });

  it('refuses a header-only file when it comes to measuring', async () => {
    const policy = applyPolicy(DEFAULT_THRESHOLDS, null);
    const err = await failure(analyseCsv({ file: file('h.csv', 'a,b\n') }, { quasi: ['a'], policy }));
    expect(err.problem).toBe('empty');
  });
});

describe('analyseCsv', () => {
  const policy = applyPolicy({ ...DEFAULT_THRESHOLDS, k: 2, l: 2 }, null, { riskThreshold: 0.4 });

  it('judges the sample against the thresholds and reports progress up to done', async () => {
    const phases: string[] = [];
    const fractions: number[] = [];
    const o = await analyseCsv(
      { file: file('p.csv', SAMPLE) },
      {
        quasi: ['age', 'sex'],
        sensitive: ['diagnosis'],
        policy,
        onProgress: (p) => (phases.push(p.phase), fractions.push(p.fraction)),
      },
    );
    expect(o.passed).toBe(false);
    expect(o.violations.map((v) => [v.threshold, v.subject, v.actual])).toEqual([
      ['k', undefined, 1],
      ['maxProsecutorRisk', undefined, 1],
      ['maxRecordsAtRisk', undefined, 0.5],
      ['l', 'diagnosis', 1],
    ]);
    expect(o.recordsBelowK).toEqual({ '2': 1, '3': 3, '5': 6, '10': 6 });
    expect(phases.at(-1)).toBe('done');
    expect(fractions.at(-1)).toBe(1);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
  });

  it('adds journalist and marketer risk from a population file and a linkage attack from an auxiliary file', async () => {
    const population = file(
      'pop.csv',
      'sex,age\n' + 'M,30\n'.repeat(6) + 'F,40\n'.repeat(4) + 'M,50\n'.repeat(5) + 'F,60\n',
    );
    const register = file('register.csv', 'age,name\n50,R. Roe\n40,J. Doe\n70,N. One\n');
    const o = await analyseCsv(
      { file: file('s.csv', SAMPLE) },
      { quasi: ['age', 'sex'], policy, population: { file: population }, linkage: { file: register, on: ['age'] } },
    );
    expect(o.journalist).toEqual({ highest: 0.25, recordsAtRisk: 0, riskThreshold: 0.4, populationRecords: 16 });
    expect(o.marketer!.risk).toBeCloseTo(0.2, 12);
    expect(o.linkage).toEqual({
      on: ['age'],
      auxiliaryRecords: 3,
      uniqueMatches: 1,
      multipleMatches: 1,
      noMatch: 1,
      share: 1 / 3,
    });
  });
});

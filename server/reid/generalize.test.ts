import { describe, expect, it } from 'vitest';
import { classTableFromList, computeMetrics } from './metrics';
import { columnKind, countMatches, displayClasses, generalizeValue, shownClass, SUPPRESSED } from './generalize';
import { riskiestClassIds } from './metrics';
import type { RiskyClass } from './types';

/** Records of `rows` matching a displayed combination, counted straight from the raw rows. */
function matchingRows(
  rows: string[][],
  quasi: string[],
  c: RiskyClass,
  kinds: string[],
  step: (j: number) => [number, number],
): number {
  return rows.filter((r) =>
    quasi.every(
      (q, j) => c.values[q] === SUPPRESSED || generalizeValue(kinds[j] as never, r[j], ...step(j)) === c.values[q],
    ),
  ).length;
}

// 60 people: birth dates spread over 1980–1999, postal codes 10000–10059, a sex column.
const quasi = ['birth_date', 'postal_code', 'sex'];
const rows: string[][] = Array.from({ length: 60 }, (_, i) => [
  `${1980 + (i % 20)}-0${1 + (i % 9)}-1${i % 10}`,
  String(10000 + i),
  i % 2 ? 'f' : 'm',
]);
function tableOf(data: string[][]) {
  const counts = new Map<string, number>();
  for (const r of data) counts.set(JSON.stringify(r), (counts.get(JSON.stringify(r)) ?? 0) + 1);
  return classTableFromList({
    quasi,
    classes: [...counts].map(([k, size]) => ({ values: JSON.parse(k) as string[], size })),
  })[0];
}

describe('generalized risky classes', () => {
  it('masks by kind: a date to its year then decade, a postal code to its first digits, a number to a range, a category to *', () => {
    expect(generalizeValue('date', '1987-03-02', 1, 3)).toBe('1987');
    expect(generalizeValue('date', '1987-03-02', 2, 3)).toBe('1980–1989');
    expect(generalizeValue('date', '1987-03-02', 3, 3)).toBe('*');
    expect(generalizeValue('postal', '80331', 1, 5)).toBe('8033*');
    expect(generalizeValue('postal', '80331', 3, 5)).toBe('80***');
    expect(generalizeValue('number', '37', 1, 3)).toBe('30–39');
    expect(generalizeValue('category', 'f', 1, 1)).toBe('*');
    expect(columnKind('postal_code', ['80331'])).toBe('postal');
    expect(columnKind('age', ['37', ''])).toBe('number');
    expect(columnKind('dob', ['1987-03-02'])).toBe('date');
  });

  it('never shows a raw combination of a class below k, and every shown combination covers at least k records (checked against the raw rows)', () => {
    const table = tableOf(rows);
    for (const k of [2, 5, 20]) {
      const ids = riskiestClassIds(table, 10);
      const shown = displayClasses(table, ids, { k, riskThreshold: 1 / k });
      expect(shown).toHaveLength(10);
      const rawCombinations = new Set(rows.map((r) => JSON.stringify(r)));
      for (const c of shown) {
        expect(c.size).toBeLessThan(k);
        expect(c.generalized).toBe(true);
        expect(rawCombinations.has(JSON.stringify(quasi.map((q) => c.values[q])))).toBe(false);
        for (const q of quasi) expect(rows.some((r) => r[quasi.indexOf(q)] === c.values[q])).toBe(false);
        expect(c.records).toBeGreaterThanOrEqual(k);
        // Recount from the raw rows with the step each column took.
        const kinds = ['date', 'postal', 'category'];
        const stepOf = (j: number): [number, number] => {
          const v = c.values[quasi[j]];
          if (v === SUPPRESSED) return [99, 99];
          if (j === 0) return [/^\d{4}$/.test(v) ? 1 : 2, 3];
          return [(v.match(/\*/g) ?? []).length, 5];
        };
        expect(matchingRows(rows, quasi, c, kinds, stepOf)).toBe(c.records);
      }
    }
  });

  it('shows everything as * when no generalization covers k records', () => {
    const table = tableOf(rows.slice(0, 3));
    const shown = displayClasses(table, riskiestClassIds(table, 3), { k: 5, riskThreshold: 0.2 });
    for (const c of shown) expect(Object.values(c.values)).toEqual(['*', '*', '*']);
    expect(shown[0].records).toBe(3);
  });

  it('keeps the values of classes at or above k with a risk within the threshold', () => {
    const table = tableOf([...Array(6).fill(['1990-01-01', '10000', 'f']), ['1991-01-01', '10001', 'm']]);
    const shown = displayClasses(table, riskiestClassIds(table, 2), { k: 5, riskThreshold: 0.2 });
    expect(shown[1]).toEqual({
      values: { birth_date: '1990-01-01', postal_code: '10000', sex: 'f' },
      size: 6,
      risk: 1 / 6,
      records: 6,
      generalized: false,
    });
    expect(shown[0].generalized).toBe(true);
  });

  it('generalizes through computeMetrics when given the policy k, and counts matches in one pass', () => {
    const table = tableOf(rows);
    const m = computeMetrics(table, { generalizeBelowK: 5, riskThreshold: 0.2 });
    expect(m.riskiestClasses.every((c) => c.generalized && c.records! >= 5)).toBe(true);
    expect(
      countMatches(
        table,
        [
          ['*', '1000*', '*'],
          ['1985', '*', '*'],
        ],
        ['date', 'postal', 'category'],
        [3, 5, 1],
        1,
      ),
    ).toEqual([10, 3]);
  });

  it('suppresses a risky class stored before generalization existed', () => {
    const old: RiskyClass = { values: { city: 'Zürich', age: '34' }, size: 1 };
    expect(shownClass(old, { k: 5, riskThreshold: 0.2 }).values).toEqual({ city: '*', age: '*' });
    expect(shownClass({ values: { city: 'Oslo' }, size: 6 }, { k: 5, riskThreshold: 0.2 }).values).toEqual({
      city: 'Oslo',
    });
  });
});

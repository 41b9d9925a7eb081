import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, labelRates, representation } from './bias';

const th = { alpha: 0.01, minShareRatio: 0.8, maxShareRatio: 1.25, minDisparateImpact: 0.8, minGroupSize: 5 };
const m = (o: Record<string, number>) => new Map(Object.entries(o));

describe('chi-square survival function', () => {
  it('matches the textbook critical values', () => {
    expect(chiSquareSurvival(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareSurvival(9.21034, 2)).toBeCloseTo(0.01, 6);
    expect(chiSquareSurvival(11.0705, 5)).toBeCloseTo(0.05, 5);
    expect(chiSquareSurvival(0.5, 3)).toBeCloseTo(0.918891, 5);
    expect(chiSquareSurvival(0, 4)).toBe(1);
    expect(chiSquareSurvival(200, 2)).toBeLessThan(1e-40);
  });
});

describe('representation against a reference distribution', () => {
  it('a group at half its reference share fails, named as the most under-represented', () => {
    // Reference 50/30/20; the dataset has region "south" at 10 % instead of 20 %.
    const r = representation(
      'region',
      m({ north: 550, east: 350, south: 100 }),
      m({ north: 50, east: 30, south: 20 }),
      th,
    );
    expect(r.passed).toBe(false);
    expect(r.under?.group).toBe('south');
    expect(r.under?.ratio).toBeCloseTo(0.5, 6);
    expect(r.pValue).toBeLessThan(0.01);
    expect(r.df).toBe(2);
    expect(r.problems.join(' ')).toContain(
      'region=south is under-represented: 10.0 % of the records against 20.0 % in the reference (0.50× its share)',
    );
  });

  it('a sample that follows the reference passes', () => {
    const r = representation(
      'region',
      m({ north: 505, east: 297, south: 198 }),
      m({ north: 0.5, east: 0.3, south: 0.2 }),
      th,
    );
    expect(r.passed).toBe(true);
    expect(r.pValue).toBeGreaterThan(0.5);
  });

  it('a small deviation that is significant on a big sample but within the ratios passes', () => {
    const r = representation('sex', m({ f: 4_800_000, m: 5_200_000 }), m({ f: 0.5, m: 0.5 }), th);
    expect(r.pValue).toBeLessThan(0.01);
    expect(r.passed).toBe(true);
  });

  it('a group missing from the reference is reported', () => {
    const r = representation('region', m({ north: 50, mars: 3 }), m({ north: 1 }), th);
    expect(r.passed).toBe(false);
    expect(r.problems[0]).toContain('region=mars has 3 record(s) but no share in the reference');
  });
});

describe('label rate per group and the four-fifths rule', () => {
  it('fails with both groups and the ratio when one group is hired at 60 % of the best rate', () => {
    const r = labelRates(
      'sex',
      [
        { group: 'f', n: 400, positives: 72 },
        { group: 'm', n: 600, positives: 180 },
      ],
      th,
    );
    expect(r.passed).toBe(false);
    expect(r.ratio).toBeCloseTo(0.6, 6);
    expect(r.lowest?.group).toBe('f');
    expect(r.highest?.group).toBe('m');
    expect(r.problems[0]).toBe(
      'sex=f has a positive-label rate of 18.0 % against 30.0 % for sex=m: disparate-impact ratio 0.60, below 0.8',
    );
  });

  it('passes at exactly four fifths, and ignores groups below the minimum size', () => {
    const r = labelRates(
      'sex',
      [
        { group: 'f', n: 500, positives: 120 },
        { group: 'm', n: 500, positives: 150 },
        { group: 'x', n: 3, positives: 0 },
      ],
      th,
    );
    expect(r.ratio).toBeCloseTo(0.8, 9);
    expect(r.passed).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { ReidPolicy, ReidThresholds } from '../policies/types';
import { applyPolicy, DEFAULT_THRESHOLDS, evaluate, selectThresholds, type EvaluationInput } from './thresholds';

const src = { file: 'reid.yaml', line: 4, column: 5 };
const entry = (kind: string, k: number): ReidThresholds => ({ ...DEFAULT_THRESHOLDS, kind, k, source: src });
const policy: ReidPolicy = { thresholds: [entry('default', 5), entry('export', 10)] };

const safe: EvaluationInput = {
  minClassSize: 12,
  recordsBelowK: { '2': 0, '5': 0, '10': 0 },
  prosecutor: { highest: 1 / 12, average: 0.05, recordsAtRisk: 0, riskThreshold: 0.2 },
  sensitive: {
    diagnosis: {
      distinctL: 3,
      entropyL: 2.5,
      tCloseness: 0.1,
      orderedTCloseness: null,
      recordsBelowL: { '2': 0, '3': 0 },
    },
  },
  identifierLeaks: [],
};

describe('selectThresholds', () => {
  it("takes the release kind's entry, else the policy's default, else the built-in defaults", () => {
    expect(selectThresholds(policy, 'export').k).toBe(10);
    expect(selectThresholds(policy, 'training_snapshot').k).toBe(5);
    expect(selectThresholds(policy, undefined).kind).toBe('default');
    expect(selectThresholds(null, 'export')).toBe(DEFAULT_THRESHOLDS);
    expect(selectThresholds({ thresholds: [entry('export', 10)] }, 'other')).toBe(DEFAULT_THRESHOLDS);
  });
});

describe('applyPolicy', () => {
  it('records where the thresholds came from and applies a risk-threshold override', () => {
    const applied = applyPolicy(entry('export', 10), 'abc', { riskThreshold: 0.1 });
    expect(applied).toMatchObject({
      kind: 'export',
      bundleHash: 'abc',
      thresholds: { k: 10, riskThreshold: 0.1, source: 'reid.yaml:4:5' },
    });
    expect(applyPolicy(DEFAULT_THRESHOLDS, null).thresholds.source).toBe('(built-in defaults)');
  });
});

describe('evaluate', () => {
  it('passes a dataset that meets every threshold', () => {
    expect(evaluate(safe, { ...DEFAULT_THRESHOLDS, l: 3, t: 0.2 })).toEqual({ passed: true, violations: [] });
  });

  it('names every violated threshold with its limit and the measured value', () => {
    const risky: EvaluationInput = {
      minClassSize: 1,
      recordsBelowK: { '2': 40, '5': 700, '10': 900 },
      prosecutor: { highest: 1, average: 0.6, recordsAtRisk: 0.7, riskThreshold: 0.2 },
      sensitive: {
        diagnosis: { distinctL: 1, entropyL: 1, tCloseness: 0.6, orderedTCloseness: null, recordsBelowL: { '2': 40 } },
        income: { distinctL: 2, entropyL: 2, tCloseness: 0.9, orderedTCloseness: 0.15, recordsBelowL: { '2': 0 } },
      },
      identifierLeaks: [{ column: 'notes', detector: 'email', count: 1200, examples: ['j***@e***.com'] }],
    };
    const result = evaluate(risky, { ...DEFAULT_THRESHOLDS, l: 2, t: 0.2 });
    expect(result.passed).toBe(false);
    expect(
      result.violations.map(({ threshold, limit, actual, subject }) => ({ threshold, limit, actual, subject })),
    ).toEqual([
      { threshold: 'k', limit: 5, actual: 1, subject: undefined },
      { threshold: 'maxProsecutorRisk', limit: 0.2, actual: 1, subject: undefined },
      { threshold: 'maxRecordsAtRisk', limit: 0.05, actual: 0.7, subject: undefined },
      { threshold: 'l', limit: 2, actual: 1, subject: 'diagnosis' },
      { threshold: 't', limit: 0.2, actual: 0.6, subject: 'diagnosis' },
      // income's equal distance (0.9) is not held against it: numeric attributes use the ordered one (0.15)
      { threshold: 'zeroLeakedIdentifiers', limit: 0, actual: 1200, subject: 'notes' },
    ]);
    expect(result.violations[0].message).toBe(
      'k-anonymity is 1, the policy requires at least 5 (700 records are in classes smaller than 5)',
    );
    expect(result.violations[2].message).toBe('70% of records are at risk (1/f > 0.2), the policy allows at most 5%');
    expect(result.violations[5].message).toBe(
      'column notes holds email addresses in 1,200 records; the policy allows no direct identifiers',
    );
  });

  it('allows leaks when the policy does not forbid them', () => {
    const leaky = {
      ...safe,
      identifierLeaks: [{ column: 'c', detector: 'ipv4' as const, count: 1, examples: ['10.*.*.*'] }],
    };
    expect(evaluate(leaky, { ...DEFAULT_THRESHOLDS, zeroLeakedIdentifiers: false }).passed).toBe(true);
    expect(evaluate(leaky, DEFAULT_THRESHOLDS).passed).toBe(false);
  });

  it('refuses figures measured at another risk threshold than the one it judges by', () => {
    expect(() => evaluate(safe, { ...DEFAULT_THRESHOLDS, riskThreshold: 0.1 })).toThrow(/measured at t = 0.2/);
  });
});

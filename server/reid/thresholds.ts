// Policy thresholds (policies/reid.yaml, one entry per release kind) turned into a pass/fail with
// every violated threshold named, so a data steward sees all that must change, not just the first.
import type { ReidPolicy, ReidThresholds } from '../policies/types';
import type { AppliedPolicy, Evaluation, IdentifierLeak, ReidMetrics, Violation } from './types';

/**
 * Used when no bundle (or no matching kind) is available. k = 5 is the common floor in health-data
 * guidance (and ARX's default); 0.2 = 1/5 keeps the highest prosecutor risk consistent with it; at
 * most 5% of records above that risk; no direct identifier at all.
 */
export const DEFAULT_THRESHOLDS: ReidThresholds = {
  kind: 'default',
  k: 5,
  maxProsecutorRisk: 0.2,
  riskThreshold: 0.2,
  maxRecordsAtRisk: 0.05,
  zeroLeakedIdentifiers: true,
  source: { file: '(built-in defaults)', line: 0, column: 0 },
};

/** The thresholds for a release kind: its own entry, else the policy's `default`, else the built-in ones. */
export function selectThresholds(policy: ReidPolicy | null | undefined, kind: string | undefined): ReidThresholds {
  const list = policy?.thresholds ?? [];
  return list.find((t) => t.kind === kind) ?? list.find((t) => t.kind === 'default') ?? DEFAULT_THRESHOLDS;
}

export function applyPolicy(
  thresholds: ReidThresholds,
  bundleHash: string | null,
  overrides: { riskThreshold?: number } = {},
): AppliedPolicy {
  const { source, ...rest } = thresholds;
  return {
    kind: thresholds.kind,
    bundleHash,
    thresholds: {
      ...rest,
      riskThreshold: overrides.riskThreshold ?? thresholds.riskThreshold,
      source: source.line ? `${source.file}:${source.line}:${source.column}` : source.file,
    },
  };
}

export type EvaluationInput = Pick<ReidMetrics, 'minClassSize' | 'recordsBelowK' | 'prosecutor' | 'sensitive'> & {
  identifierLeaks: IdentifierLeak[];
};

type Limits = Omit<ReidThresholds, 'source' | 'kind'>;

export function evaluate(result: EvaluationInput, thresholds: Limits): Evaluation {
  if (result.prosecutor.riskThreshold !== thresholds.riskThreshold) {
    // recordsAtRisk depends on t: comparing figures measured at another t would be meaningless.
    throw new Error(
      `records at risk were measured at t = ${result.prosecutor.riskThreshold}, the thresholds use ${thresholds.riskThreshold}`,
    );
  }
  const violations: Violation[] = [];
  const k = result.minClassSize;
  if (k < thresholds.k) {
    const below = result.recordsBelowK[String(thresholds.k)];
    violations.push({
      threshold: 'k',
      limit: thresholds.k,
      actual: k,
      message:
        `k-anonymity is ${k}, the policy requires at least ${thresholds.k}` +
        (below === undefined
          ? ''
          : ` (${recordCount(below)} ${below === 1 ? 'is' : 'are'} in classes smaller than ${thresholds.k})`),
    });
  }
  const highest = result.prosecutor.highest;
  if (highest > thresholds.maxProsecutorRisk) {
    violations.push({
      threshold: 'maxProsecutorRisk',
      limit: thresholds.maxProsecutorRisk,
      actual: highest,
      message: `the highest prosecutor risk is ${percent(highest)}, the policy allows at most ${percent(thresholds.maxProsecutorRisk)}`,
    });
  }
  const atRisk = result.prosecutor.recordsAtRisk;
  if (atRisk > thresholds.maxRecordsAtRisk) {
    violations.push({
      threshold: 'maxRecordsAtRisk',
      limit: thresholds.maxRecordsAtRisk,
      actual: atRisk,
      message: `${percent(atRisk)} of records are at risk (1/f > ${thresholds.riskThreshold}), the policy allows at most ${percent(thresholds.maxRecordsAtRisk)}`,
    });
  }
  for (const [attribute, s] of Object.entries(result.sensitive)) {
    if (thresholds.l !== undefined && s.distinctL < thresholds.l) {
      violations.push({
        threshold: 'l',
        limit: thresholds.l,
        actual: s.distinctL,
        subject: attribute,
        message: `${attribute}: distinct l-diversity is ${s.distinctL}, the policy requires at least ${thresholds.l}`,
      });
    }
    // Numeric attributes are judged by the ordered distance (ARX's choice for ordered values):
    // the equal distance calls 50 000 and 50 001 as different as 0 and 1 000 000.
    const t = s.orderedTCloseness ?? s.tCloseness;
    if (thresholds.t !== undefined && t > thresholds.t) {
      violations.push({
        threshold: 't',
        limit: thresholds.t,
        actual: t,
        subject: attribute,
        message: `${attribute}: t-closeness (${s.orderedTCloseness === null ? 'equal' : 'ordered'} distance) is ${round(t)}, the policy allows at most ${thresholds.t}`,
      });
    }
  }
  if (thresholds.zeroLeakedIdentifiers) {
    for (const leak of result.identifierLeaks) {
      violations.push({
        threshold: 'zeroLeakedIdentifiers',
        limit: 0,
        actual: leak.count,
        subject: leak.column,
        message: `column ${leak.column} holds ${DETECTOR_LABELS[leak.detector]} in ${recordCount(leak.count)}; the policy allows no direct identifiers`,
      });
    }
  }
  return { passed: violations.length === 0, violations };
}

export const DETECTOR_LABELS: Record<IdentifierLeak['detector'], string> = {
  email: 'email addresses',
  phone: 'phone numbers',
  payment_card: 'payment card numbers',
  iban: 'IBANs',
  us_ssn: 'US social security numbers',
  ipv4: 'IPv4 addresses',
  ipv6: 'IPv6 addresses',
};

/** "1 record", "1,200 records". */
export function recordCount(n: number): string {
  return `${n.toLocaleString('en')} record${n === 1 ? '' : 's'}`;
}

export function percent(share: number): string {
  return `${round(share * 100)}%`;
}

function round(x: number): string {
  return String(Number(x.toPrecision(4)));
}

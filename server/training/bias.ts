// Bias and representation statistics, pure. Representation: the chi-square goodness-of-fit test
// of a dataset's group counts against a reference distribution, with each group's share relative
// to its reference share. Labels: the positive-label rate per group and the disparate-impact ratio
// (lowest rate over highest; the four-fifths rule flags a ratio below 0.8, 29 CFR 1607.4(D)).
import type { BiasThresholds } from '../policies/types';

export interface GroupShare {
  group: string;
  count: number;
  share: number;
  referenceShare: number;
  expected: number;
  /** share / referenceShare: 0.5 means the group has half its reference share. */
  ratio: number;
}

export interface Representation {
  attribute: string;
  n: number;
  groups: GroupShare[];
  chiSquare: number;
  df: number;
  pValue: number;
  under: GroupShare | null;
  over: GroupShare | null;
  passed: boolean;
  problems: string[];
}

export interface GroupRate {
  group: string;
  n: number;
  positives: number;
  rate: number;
}

export interface LabelRates {
  attribute: string;
  groups: GroupRate[];
  highest: GroupRate | null;
  lowest: GroupRate | null;
  ratio: number;
  passed: boolean;
  problems: string[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export function representation(
  attribute: string,
  counts: Map<string, number>,
  reference: Map<string, number>,
  th: BiasThresholds,
): Representation {
  const n = [...counts.values()].reduce((a, b) => a + b, 0);
  const refTotal = [...reference.values()].reduce((a, b) => a + b, 0);
  const names = [...new Set([...reference.keys(), ...counts.keys()])].sort();
  const problems: string[] = [];
  const groups: GroupShare[] = names.map((group) => {
    const count = counts.get(group) ?? 0;
    const referenceShare = refTotal > 0 ? (reference.get(group) ?? 0) / refTotal : 0;
    const share = n > 0 ? count / n : 0;
    return {
      group,
      count,
      share,
      referenceShare,
      expected: n * referenceShare,
      ratio: referenceShare > 0 ? share / referenceShare : Number.POSITIVE_INFINITY,
    };
  });
  let chiSquare = 0;
  for (const g of groups) if (g.expected > 0) chiSquare += (g.count - g.expected) ** 2 / g.expected;
  const unexpected = groups.filter((g) => g.referenceShare === 0 && g.count > 0);
  for (const g of unexpected)
    problems.push(`${attribute}=${g.group} has ${g.count} record(s) but no share in the reference`);
  const rated = groups.filter((g) => g.referenceShare > 0);
  const df = Math.max(1, rated.length - 1);
  const pValue = unexpected.length ? 0 : rated.length < 2 ? 1 : chiSquareSurvival(chiSquare, df);
  const byRatio = [...rated].sort((a, b) => a.ratio - b.ratio);
  const under = byRatio[0] && byRatio[0].ratio < 1 ? byRatio[0] : null;
  const over = byRatio.at(-1) && byRatio.at(-1)!.ratio > 1 ? byRatio.at(-1)! : null;
  if (n === 0) problems.push(`${attribute}: the dataset has no records`);
  else if (pValue < th.alpha) {
    for (const g of rated.filter((x) => x.ratio < th.minShareRatio)) {
      problems.push(
        `${attribute}=${g.group} is under-represented: ${pct(g.share)} of the records against ${pct(g.referenceShare)} in the reference (${g.ratio.toFixed(2)}× its share)`,
      );
    }
    for (const g of rated.filter((x) => x.ratio > th.maxShareRatio)) {
      problems.push(
        `${attribute}=${g.group} is over-represented: ${pct(g.share)} of the records against ${pct(g.referenceShare)} in the reference (${g.ratio.toFixed(2)}× its share)`,
      );
    }
  }
  return { attribute, n, groups, chiSquare, df, pValue, under, over, passed: problems.length === 0, problems };
}

export function labelRates(
  attribute: string,
  rows: { group: string; n: number; positives: number }[],
  th: BiasThresholds,
): LabelRates {
  const groups = rows
    .map((r) => ({ ...r, rate: r.n > 0 ? r.positives / r.n : 0 }))
    .sort((a, b) => (a.group < b.group ? -1 : 1));
  const rated = groups.filter((g) => g.n >= th.minGroupSize);
  const problems: string[] = [];
  if (rated.length < 2)
    return { attribute, groups, highest: rated[0] ?? null, lowest: rated[0] ?? null, ratio: 1, passed: true, problems };
  const highest = rated.reduce((a, b) => (b.rate > a.rate ? b : a));
  const lowest = rated.reduce((a, b) => (b.rate < a.rate ? b : a));
  const ratio = highest.rate > 0 ? lowest.rate / highest.rate : 1;
  if (highest.rate > 0) {
    for (const g of rated) {
      const r = g.rate / highest.rate;
      if (r < th.minDisparateImpact) {
        problems.push(
          `${attribute}=${g.group} has a positive-label rate of ${pct(g.rate)} against ${pct(highest.rate)} for ${attribute}=${highest.group}: disparate-impact ratio ${r.toFixed(2)}, below ${th.minDisparateImpact}`,
        );
      }
    }
  }
  return { attribute, groups, highest, lowest, ratio, passed: problems.length === 0, problems };
}

// ---------------------------------------------------------------- chi-square distribution
/** P(X ≥ x) for X ~ χ²(df): the regularised upper incomplete gamma function Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(x > 0)) return 1;
  if (!Number.isFinite(x)) return 0;
  return upperGamma(df / 2, x / 2);
}

function logGamma(z: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~15 digits for z > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function upperGamma(a: number, x: number): number {
  const lg = logGamma(a);
  if (x < a + 1) {
    // Series for the lower function P, then Q = 1 − P.
    let sum = 1 / a;
    let term = sum;
    for (let k = 1; k < 1000; k++) {
      term *= x / (a + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - lg));
  }
  // Continued fraction for Q (modified Lentz).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - lg) * h);
}

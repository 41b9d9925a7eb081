// The lattice search against an independent brute force (string maps, every node, the definitions
// written out again), on Adult-shaped data with hierarchies of 3–5 levels.
import { describe, expect, it } from 'vitest';
import { ADULT_COLUMNS } from '../../bench/anonymize-generate';
import { type Dataset } from '../../server/anonymize/columnar-input';
import { Anonymizer, type Metric, type PrivacyModels } from '../../server/anonymize/engine';
import { type Hierarchy } from '../../server/reid/hierarchy';
import { adultDataset } from '../fixtures/adult-dataset';

const QUASI = ['age', 'education', 'marital_status', 'country']; // 5 × 4 × 3 × 4 = 240 nodes
const SENSITIVE = ['salary', 'diagnosis'];

function setup(
  rows: number,
  seed: number,
  quasi = QUASI,
): { data: Dataset; hierarchies: Record<string, Hierarchy>; records: string[][] } {
  return adultDataset(rows, seed, quasi, SENSITIVE);
}

interface Judged {
  anonymous: boolean;
  suppressed: number;
  loss: number;
  discernibility: number;
}

/** The models and metrics recomputed from scratch with strings, for one vector of levels. */
function bruteForce(
  records: string[][],
  quasi: string[],
  hierarchies: Record<string, Hierarchy>,
  levels: number[],
  m: PrivacyModels,
): Judged {
  const qi = quasi.map((q) => ADULT_COLUMNS.indexOf(q));
  const si = SENSITIVE.map((s) => ADULT_COLUMNS.indexOf(s));
  const up = quasi.map((q) => new Map(hierarchies[q].rows.map((r) => [r[0], r])));
  const leaves = quasi.map((q, a) => {
    const counts = new Map<string, number>();
    for (const r of hierarchies[q].rows) counts.set(r[levels[a]], (counts.get(r[levels[a]]) ?? 0) + 1);
    return counts;
  });
  const classes = new Map<string, string[][]>();
  for (const r of records) {
    const key = qi.map((c, a) => up[a].get(r[c])![levels[a]]).join('\u0001');
    if (!classes.has(key)) classes.set(key, []);
    classes.get(key)!.push(r);
  }
  const n = records.length;
  const global = si.map((c) => {
    const h = new Map<string, number>();
    for (const r of records) h.set(r[c], (h.get(r[c]) ?? 0) + 1);
    return h;
  });
  const k = Math.max(m.k ?? 1, m.highestRisk ? Math.ceil(1 / m.highestRisk - 1e-9) : 1);
  let suppressed = 0;
  let released = 0;
  let lossSum = 0;
  let dm = 0;
  for (const [key, members] of classes) {
    let ok = members.length >= k;
    si.forEach((c, s) => {
      const h = new Map<string, number>();
      for (const r of members) h.set(r[c], (h.get(r[c]) ?? 0) + 1);
      if (m.l) {
        const f = members.length;
        const l =
          m.l.variant === 'distinct'
            ? h.size
            : Math.exp(-[...h.values()].reduce((x, cnt) => x + (cnt / f) * Math.log(cnt / f), 0));
        if (l < m.l.l - 1e-9) ok = false;
      }
      if (m.t !== undefined) {
        let d = 0;
        for (const [v, Q] of global[s]) d += Math.abs((h.get(v) ?? 0) / members.length - Q / n);
        if (d / 2 > m.t + 1e-12) ok = false;
      }
    });
    const values = key.split('\u0001');
    if (!ok) {
      suppressed += members.length;
      lossSum += members.length * quasi.length;
      continue;
    }
    released++;
    dm += members.length ** 2;
    values.forEach((v, a) => {
      const total = hierarchies[quasi[a]].rows.length;
      lossSum += (members.length * (leaves[a].get(v)! - 1)) / (total - 1);
    });
  }
  let anonymous = suppressed <= Math.floor((m.maxSuppression ?? 0) * n + 1e-9) && released > 0;
  if (m.averageRisk !== undefined && released / (n - suppressed) > m.averageRisk + 1e-12) anonymous = false;
  return { anonymous, suppressed, loss: lossSum / (n * quasi.length), discernibility: dm + suppressed * n };
}

function allLevels(heights: number[]): number[][] {
  let out: number[][] = [[]];
  for (const h of heights) out = out.flatMap((prefix) => Array.from({ length: h }, (_, l) => [...prefix, l]));
  return out;
}

/** Minimal anonymous nodes and the least-loss one among them, by brute force. */
function bruteOptimum(
  records: string[][],
  quasi: string[],
  hierarchies: Record<string, Hierarchy>,
  heights: number[],
  m: PrivacyModels,
  metric: 'loss' | 'discernibility',
) {
  const judged = new Map<string, Judged>();
  for (const levels of allLevels(heights))
    judged.set(levels.join(','), bruteForce(records, quasi, hierarchies, levels, m));
  let best: { levels: number[]; value: number } | null = null;
  for (const levels of allLevels(heights)) {
    const j = judged.get(levels.join(','))!;
    if (!j.anonymous) continue;
    const minimal = levels.every(
      (l, a) => l === 0 || !judged.get(levels.map((x, b) => (b === a ? x - 1 : x)).join(','))!.anonymous,
    );
    if (!minimal) continue;
    const value = j[metric];
    if (!best || value < best.value - 1e-12) best = { levels, value };
  }
  return { best, judged };
}

const cases: { name: string; rows: number; models: PrivacyModels; metric: Metric & ('loss' | 'discernibility') }[] = [
  { name: 'k = 5, no suppression, loss', rows: 1500, models: { k: 5 }, metric: 'loss' },
  { name: 'k = 10, 4% suppression, loss', rows: 2000, models: { k: 10, maxSuppression: 0.04 }, metric: 'loss' },
  {
    name: 'k = 5, distinct 2-diversity, 2% suppression, discernibility',
    rows: 1500,
    models: { k: 5, l: { variant: 'distinct', l: 2 }, maxSuppression: 0.02 },
    metric: 'discernibility',
  },
  {
    name: 'k = 3, entropy 1.4-diversity, t = 0.35, 3% suppression (not monotonic)',
    rows: 1200,
    models: { k: 3, l: { variant: 'entropy', l: 1.4 }, t: 0.35, maxSuppression: 0.03 },
    metric: 'loss',
  },
  {
    name: 'highest risk 0.125 and average risk 0.05',
    rows: 1500,
    models: { highestRisk: 0.125, averageRisk: 0.05, maxSuppression: 0.01 },
    metric: 'loss',
  },
];

describe('lattice search', () => {
  it.each(cases)(
    '$name: the pruned search finds the brute-force optimum, minimal and within the limits',
    ({ rows, models, metric }) => {
      const { data, hierarchies, records } = setup(rows, 7 + rows);
      const engine = new Anonymizer(data, hierarchies, models);
      expect(engine.nodes).toBeLessThanOrEqual(500);
      const heights = QUASI.map((q) => hierarchies[q].rows[0].length);
      expect(heights.every((h) => h >= 3 && h <= 5)).toBe(true);
      const { best, judged } = bruteOptimum(records, QUASI, hierarchies, heights, models, metric);
      expect(best).not.toBeNull();

      const pruned = engine.search({ metric });
      expect(pruned.best).not.toBeNull();
      const chosen = pruned.best!;
      // Same optimum value as the brute force (ties may pick another node of equal value).
      expect(chosen.metrics[metric]).toBeCloseTo(best!.value, 9);
      // The chosen node satisfies the models within the suppression limit, recomputed independently.
      const check = judged.get(chosen.levels.join(','))!;
      expect(check.anonymous).toBe(true);
      expect(chosen.suppressed).toBe(check.suppressed);
      expect(chosen.suppressed).toBeLessThanOrEqual(Math.floor((models.maxSuppression ?? 0) * rows + 1e-9));
      expect(chosen.metrics.loss).toBeCloseTo(check.loss, 9);
      expect(chosen.metrics.discernibility).toBe(check.discernibility);
      // Minimal: lowering any one attribute by one level breaks the models or the limit.
      chosen.levels.forEach((l, a) => {
        if (l === 0) return;
        const lower = chosen.levels.map((x, b) => (b === a ? x - 1 : x));
        expect(judged.get(lower.join(','))!.anonymous).toBe(false);
      });

      // The engine's own exhaustive mode agrees, and the pruned search evaluated fewer nodes.
      const full = new Anonymizer(data, hierarchies, models).search({ metric, exhaustive: true });
      expect(full.best!.metrics[metric]).toBeCloseTo(best!.value, 9);
      expect(pruned.evaluated).toBeLessThanOrEqual(full.evaluated);
    },
  );

  it('reports no transformation when even the top of the lattice fails', () => {
    const { data, hierarchies } = setup(40, 3);
    const result = new Anonymizer(data, hierarchies, { k: 50 }).search();
    expect(result.best).toBeNull();
  });

  it('maps every record to its released class or to suppression', () => {
    const { data, hierarchies, records } = setup(1500, 11);
    const engine = new Anonymizer(data, hierarchies, { k: 10, maxSuppression: 0.04 });
    const best = engine.search().best!;
    const { classOf } = engine.recordClasses(engine.nodeOf(best.levels));
    const suppressed = classOf.filter((c) => c < 0).length;
    expect(suppressed).toBe(best.suppressed);
    // Records sharing a class share their generalized values, and every released class has ≥ k records.
    const byClass = new Map<number, Set<string>>();
    const sizes = new Map<number, number>();
    records.forEach((_, r) => {
      if (classOf[r] < 0) return;
      const label = QUASI.map((_, a) => engine.label(a, best.levels[a], r)).join('|');
      if (!byClass.has(classOf[r])) byClass.set(classOf[r], new Set());
      byClass.get(classOf[r])!.add(label);
      sizes.set(classOf[r], (sizes.get(classOf[r]) ?? 0) + 1);
    });
    expect([...byClass.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set([...byClass.values()].map((s) => [...s][0])).size).toBe(byClass.size);
    expect(Math.min(...sizes.values())).toBeGreaterThanOrEqual(10);
  });
});

// The engine against a deliberately naive transcription of ARX's definitions, record by record,
// on random datasets: catches what hand-computed examples miss (the ordered distance's run sums).
import { describe, expect, it } from 'vitest';
import { analyseClasses, type ClassListInput } from './metrics';
import { seededRandom } from '../../test/support/random';

type Row = { qi: string[]; s: string[] };

const random = seededRandom;

function naive(rows: Row[], t: number) {
  const n = rows.length;
  const classes = new Map<string, Row[]>();
  for (const r of rows) classes.set(JSON.stringify(r.qi), [...(classes.get(JSON.stringify(r.qi)) ?? []), r]);
  const f = (r: Row) => classes.get(JSON.stringify(r.qi))!.length;
  const sensitive = rows[0].s.map((_, a) => {
    const domain = [...new Set(rows.map((r) => r.s[a]))].sort((x, y) => Number(x) - Number(y));
    const q = domain.map((v) => rows.filter((r) => r.s[a] === v).length / n);
    let distinctL = Infinity;
    let entropyL = Infinity;
    let tEqual = 0;
    let tOrdered = 0;
    for (const members of classes.values()) {
      const p = domain.map((v) => members.filter((r) => r.s[a] === v).length / members.length);
      distinctL = Math.min(distinctL, p.filter((x) => x > 0).length);
      entropyL = Math.min(entropyL, Math.exp(-p.filter((x) => x > 0).reduce((s, x) => s + x * Math.log(x), 0)));
      tEqual = Math.max(tEqual, p.reduce((s, x, i) => s + Math.abs(x - q[i]), 0) / 2);
      let cum = 0;
      let emd = 0;
      for (let i = 0; i < domain.length; i++) {
        cum += p[i] - q[i];
        emd += Math.abs(cum);
      }
      tOrdered = Math.max(tOrdered, domain.length > 1 ? emd / (domain.length - 1) : 0);
    }
    return { distinctL, entropyL, tEqual, tOrdered };
  });
  return {
    k: Math.min(...rows.map(f)),
    uniques: rows.filter((r) => f(r) === 1).length,
    average: classes.size / n,
    atRisk: rows.filter((r) => 1 / f(r) > t).length / n,
    sensitive,
  };
}

function toClasses(rows: Row[], sensitive: string[]): ClassListInput {
  const byKey = new Map<
    string,
    { values: string[]; size: number; histograms: Record<string, Record<string, number>> }
  >();
  for (const r of rows) {
    const key = JSON.stringify(r.qi);
    let c = byKey.get(key);
    if (!c)
      byKey.set(key, (c = { values: r.qi, size: 0, histograms: Object.fromEntries(sensitive.map((s) => [s, {}])) }));
    c.size++;
    r.s.forEach((v, a) => (c!.histograms[sensitive[a]][v] = (c!.histograms[sensitive[a]][v] ?? 0) + 1));
  }
  return { quasi: ['a', 'b'], sensitive, classes: [...byKey.values()] };
}

describe('the metrics engine against a record-by-record reference', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`agrees on random dataset ${seed}`, () => {
      const rnd = random(seed);
      const size = 20 + Math.floor(rnd() * 200);
      const spread = 1 + Math.floor(rnd() * 6);
      const rows: Row[] = Array.from({ length: size }, () => ({
        qi: [String(Math.floor(rnd() * spread)), rnd() < 0.5 ? 'x' : 'y'],
        s: [String(Math.floor(rnd() * rnd() * 12) * 5), String(Math.floor(rnd() * 3))],
      }));
      const t = [0.1, 0.2, 0.34, 0.5][seed % 4];
      const ref = naive(rows, t);
      const m = analyseClasses(toClasses(rows, ['s1', 's2']), { riskThreshold: t });
      expect(m.minClassSize).toBe(ref.k);
      expect(m.sampleUniques).toBe(ref.uniques);
      expect(m.prosecutor.average).toBeCloseTo(ref.average, 12);
      expect(m.prosecutor.recordsAtRisk).toBeCloseTo(ref.atRisk, 12);
      ['s1', 's2'].forEach((name, a) => {
        expect(m.sensitive[name].distinctL).toBe(ref.sensitive[a].distinctL);
        expect(m.sensitive[name].entropyL).toBeCloseTo(ref.sensitive[a].entropyL, 10);
        expect(m.sensitive[name].tCloseness).toBeCloseTo(ref.sensitive[a].tEqual, 10);
        expect(m.sensitive[name].orderedTCloseness).toBeCloseTo(ref.sensitive[a].tOrdered, 10);
      });
    });
  }
});

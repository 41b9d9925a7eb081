// l-diversity and t-closeness of one sensitive attribute, with ARX's definitions:
//   distinct l  = min over classes of the number of distinct values
//   entropy l   = min over classes of exp(H), H = −Σ p ln p
//   t (equal)   = max over classes of ½ Σ_i |p_i − q_i|, q the whole dataset's distribution
//   t (ordered) = max over classes of 1/(m−1) Σ_i |Σ_{j≤i} (p_j − q_j)|, values sorted (numeric only)
//
// Both distances are computed from integer counts (p = c/f, q = Q/n, so |p − q| = |c·n − Q·f| / (f·n))
// and divided once at the end: exact for any realistic n, and independent of the order classes
// and values arrive in, which is what makes CSV and Postgres results byte-identical.
import { compareBytes } from './byte-interner';
import { MULTI, type ClassTable, type SensitiveHistogram } from './class-table';
import type { PairsByClass } from './pair-counts';
import type { SensitiveMetrics } from './types';

const NUMBER = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

export function sensitiveMetrics(table: ClassTable, attribute: number, lValues: readonly number[]): SensitiveMetrics {
  const hist = table.attributes[attribute];
  const n = table.records;
  const K = table.classCount;
  const multi = hist.multiValued(K);
  const order = numericOrder(hist);
  const ordered = order ? orderedDistance(hist, multi, order, n) : null;

  let distinctL = Infinity;
  let entropyL = Infinity;
  let tEqual = 0;
  let tOrdered = 0;
  const below = lValues.map(() => 0);
  const counts: number[] = [];

  for (let cid = 0; cid < K; cid++) {
    const f = table.sizes[cid];
    const single = hist.single[cid];
    const from = multi.offsets[cid];
    const to = multi.offsets[cid + 1];
    const distinct = single !== MULTI ? 1 : to - from;
    if (distinct < distinctL) distinctL = distinct;
    for (let i = 0; i < lValues.length; i++) if (distinct < lValues[i]) below[i] += f;

    let d: number;
    let e = 1; // a single value: H = 0, exp(H) = 1
    if (single !== MULTI) {
      d = (n - hist.global[single]) / n; // ½(|f·n − Q·f| + f·(n − Q)) / (f·n)
    } else {
      let sumAbs = 0;
      let sumQ = 0;
      counts.length = 0;
      for (let p = from; p < to; p++) {
        const c = multi.counts[p];
        const Q = hist.global[multi.values[p]];
        sumAbs += Math.abs(c * n - Q * f);
        sumQ += Q;
        counts.push(c);
      }
      d = (sumAbs + f * (n - sumQ)) / (2 * f * n);
      e = entropyDiversity(counts, f);
    }
    if (d > tEqual) tEqual = d;
    if (e < entropyL) entropyL = e;

    if (ordered) {
      const o = ordered(cid, f);
      if (o > tOrdered) tOrdered = o;
    }
  }

  const recordsBelowL: Record<string, number> = {};
  lValues.forEach((l, i) => (recordsBelowL[String(l)] = below[i]));
  return { distinctL, entropyL, tCloseness: tEqual, orderedTCloseness: ordered ? tOrdered : null, recordsBelowL };
}

/** exp(H) of a class histogram; counts summed in sorted order so the result never depends on arrival order. */
function entropyDiversity(counts: number[], f: number): number {
  counts.sort((a, b) => a - b);
  let h = 0;
  for (const c of counts) {
    const p = c / f;
    h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/**
 * Rank of each value id when every value is a number (ties between e.g. "1" and "1.0" broken by
 * code point order); null when any value is not a number, empty strings included.
 */
function numericOrder(hist: SensitiveHistogram): Int32Array | null {
  const m = hist.values.size;
  const nums = new Float64Array(m);
  for (let v = 0; v < m; v++) {
    const s = hist.values.decode(v);
    if (!NUMBER.test(s)) return null;
    nums[v] = Number(s);
  }
  const ids = Array.from({ length: m }, (_, i) => i);
  ids.sort((a, b) => nums[a] - nums[b] || compareBytes(hist.values.bytes(a), hist.values.bytes(b)));
  const rank = new Int32Array(m);
  ids.forEach((v, r) => (rank[v] = r));
  return rank;
}

/**
 * Returns a function giving a class's ordered distance. Σ_i |C_i·n − Qc_i·f| is summed per run of
 * ranks where the class's cumulative count C is constant: Qc is non-decreasing, so a binary search
 * splits the run where the sign flips and prefix sums of Qc give each side, O(v log m) per class
 * instead of O(m) (a numeric attribute can have thousands of distinct values).
 */
function orderedDistance(
  hist: SensitiveHistogram,
  multi: PairsByClass,
  rank: Int32Array,
  n: number,
): (cid: number, f: number) => number {
  const m = rank.length;
  const byRank = new Float64Array(m);
  for (let v = 0; v < m; v++) byRank[rank[v]] = hist.global[v];
  const Qc = new Float64Array(m); // cumulative count up to and including rank i
  const P = new Float64Array(m + 1); // P[i] = Σ_{j<i} Qc[j]
  let acc = 0;
  for (let i = 0; i < m; i++) {
    acc += byRank[i];
    Qc[i] = acc;
    P[i + 1] = P[i] + acc;
  }
  const run = (a: number, b: number, C: number, f: number): number => {
    if (a > b) return 0;
    const target = C * n;
    let lo = a;
    let hi = b + 1; // first i in [a, b] with Qc[i]·f ≥ C·n, or b + 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Qc[mid] * f >= target) hi = mid;
      else lo = mid + 1;
    }
    const s = lo;
    return target * (s - a) - f * (P[s] - P[a]) + f * (P[b + 1] - P[s]) - target * (b + 1 - s);
  };

  return (cid, f) => {
    if (m < 2) return 0;
    let total: number;
    const single = hist.single[cid];
    if (single !== MULTI) {
      const r = rank[single];
      total = run(0, r - 1, 0, f) + run(r, m - 1, f, f);
    } else {
      const pairs: [number, number][] = [];
      for (let p = multi.offsets[cid]; p < multi.offsets[cid + 1]; p++)
        pairs.push([rank[multi.values[p]], multi.counts[p]]);
      pairs.sort((x, y) => x[0] - y[0]);
      total = 0;
      let C = 0;
      let pos = 0;
      for (const [r, c] of pairs) {
        total += run(pos, r - 1, C, f);
        C += c;
        pos = r;
      }
      total += run(pos, m - 1, C, f);
    }
    return total / ((m - 1) * f * n);
  };
}

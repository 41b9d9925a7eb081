// The anonymization engine: full-domain generalization with record suppression, searched over the
// generalization lattice like ARX (Kohlmayer et al., "Flash: efficient, stable and optimal
// k-anonymity", 2012; Prasser et al., "Lightning", 2016).
//
// Lattice: one node per vector of hierarchy levels (one level per quasi-identifier). A node is
// *anonymous* when, after suppressing the records of every equivalence class that fails the privacy
// models, at most `maxSuppression` × n records are suppressed and the dataset-wide models hold.
// Like Flash, the answer is the node with the least information loss among the *minimal* anonymous
// nodes (anonymous, and no attribute can be lowered one level while staying anonymous).
//
// Search (complete): nodes are visited in ascending order of a lower bound of their information
// loss (the loss of the generalization alone, which suppression can only raise), and the search
// stops as soon as the bound reaches the best loss found: branch and bound, exact for every metric
// with a bound. When the models are monotonic (k-anonymity, distinct ℓ-diversity, highest risk
// with any suppression limit; every model without suppression), anonymity is predictively tagged:
// an anonymous node makes every generalization of it anonymous (and not minimal), a node that is
// not anonymous makes every specialization not anonymous; after each failure the search probes a
// path upwards by binary search (Flash's idea) so that whole sub-lattices are tagged at once.
//
// Speed: records are value-id columns (columnar-input.ts); a node's classes are computed from the cached
// classes of its smallest already-evaluated specialization (a roll-up: generalization only merges
// classes), each class keyed by one float64 mixed-radix number hashed into a typed open-addressing
// table (indexed directly when the radix is small), no object allocated per record or per class; the
// keys are computed a block at a time, apart from the lookups, so that their cache misses overlap. Before a
// large source is rolled up for a node with many classes (Chao1 on a sample), a failure witness counts
// the records of a few rare-valued classes: when those under kEff exceed the suppression limit the node
// fails without its classes being computed (an exact proof, so the search's result is unchanged). When
// nearly every record is its own class at the lowest node, the records themselves are the bottom source.
import type { Dataset } from './columnar-input';
import { AnonymizeInputError } from './errors';
import { levelCount, type Hierarchy } from '../reid/hierarchy';

export type Metric = 'loss' | 'entropy' | 'discernibility' | 'aecs';
export const METRICS: Metric[] = ['loss', 'entropy', 'discernibility', 'aecs'];

export interface PrivacyModels {
  /** k-anonymity: every released class has at least k records. */
  k?: number;
  /** ℓ-diversity of every sensitive attribute: distinct (count of values) or entropy (exp of the Shannon entropy). */
  l?: { variant: 'distinct' | 'entropy'; l: number };
  /**
   * t-closeness of every sensitive attribute, the distance the release gate (server/reid/thresholds)
   * judges: ordered EMD (1/(m−1) Σ_i |Σ_{j≤i} p_j − q_j|) when every value is a number, else
   * equal-distance EMD (½ Σ|p − q|).
   */
  t?: number;
  /** Highest prosecutor risk (1 / smallest class) allowed. */
  highestRisk?: number;
  /** Average prosecutor risk (released classes / released records) allowed. */
  averageRisk?: number;
  /** Share of records that may be suppressed (0..1). */
  maxSuppression?: number;
}

export interface AnonymizeOptions {
  models: PrivacyModels;
  metric?: Metric;
  /** Visit every node (the reference the pruned search is tested against). */
  exhaustive?: boolean;
  /** Prove failures from a few likely-small classes before computing a node's classes (default on; off when exhaustive). */
  witnesses?: boolean;
  onProgress?: (p: { evaluated: number; visited: number; nodes: number }) => void;
  signal?: AbortSignal;
}

export interface MetricValues {
  /** ARX "Loss" (Iyengar 2002): mean over QIs and records of (leaves under the value − 1)/(leaves − 1); suppressed = 1. */
  loss: number;
  /** ARX "Non-uniform entropy" (de Waal & Willenborg 1999): Σ over QIs and records of −log2(f(value)/f(generalized value)). */
  entropy: number;
  /** Discernibility (Bayardo & Agrawal 2005): Σ over released classes of |E|² + suppressed × n. */
  discernibility: number;
  /** Average equivalence class size (LeFevre et al. 2006): n / classes, suppressed records as one class. */
  aecs: number;
}

export interface Transformation {
  /** Level per quasi-identifier, in the order of the dataset's quasi-identifiers. */
  levels: number[];
  anonymous: boolean;
  /** Records in classes that fail the models (removed from the output). */
  suppressed: number;
  /** Released equivalence classes. */
  classes: number;
  metrics: MetricValues;
}

export interface AnonymizationResult {
  /** null when no node satisfies the models within the suppression limit. */
  best: Transformation | null;
  metric: Metric;
  nodes: number;
  /** Nodes whose classes were computed (the rest were tagged or bounded). */
  evaluated: number;
  records: number;
  /** kEff: the class size every released class reaches (k and the highest risk). */
  minClassSize: number;
}

// ------------------------------------------------------------------ attribute generalization

/** One quasi-identifier's hierarchy bound to the dataset's value ids. */
export interface BoundAttribute {
  name: string;
  levels: number;
  /** gen[L][valueId] = id of the value's generalization at level L. */
  gen: Int32Array[];
  /** labels[L][id] = the generalized value's text. */
  labels: string[][];
  /** Records per generalized value. */
  freq: Float64Array[];
  /** Loss term per generalized value: (leaves − 1)/(all leaves − 1). */
  lossTerm: Float64Array[];
  /** Σ over records of the loss term / n and of −log2(f(v)/f(g)), per level. */
  lossAt: Float64Array;
  entropyAt: Float64Array;
  /** Per level and generalized value, what suppressing one record adds: 1 − loss term, and log2(n / f). */
  keepTerm: Float64Array[];
  infoTerm: Float64Array[];
}

export function bindHierarchy(column: Dataset['quasi'][number], h: Hierarchy, records: number): BoundAttribute {
  const levels = levelCount(h);
  const rowOf = new Map<string, string[]>();
  for (const row of h.rows) rowOf.set(row[0], row);
  const counts = new Float64Array(column.values.length);
  for (let i = 0; i < column.ids.length; i++) counts[column.ids[i]]++;
  const gen: Int32Array[] = [];
  const labels: string[][] = [];
  const freq: Float64Array[] = [];
  const lossTerm: Float64Array[] = [];
  const lossAt = new Float64Array(levels);
  const entropyAt = new Float64Array(levels);
  const totalLeaves = h.rows.length;
  for (let L = 0; L < levels; L++) {
    const ids = new Map<string, number>();
    const leaves: number[] = [];
    for (const row of h.rows) {
      let id = ids.get(row[L]);
      if (id === undefined) {
        id = leaves.length;
        ids.set(row[L], id);
        leaves.push(0);
      }
      leaves[id]++;
    }
    const g = new Int32Array(column.values.length);
    column.values.forEach((v, vid) => {
      const row = rowOf.get(v);
      if (!row) throw new AnonymizeInputError(`the hierarchy of ${column.name} has no row for the value "${v}"`);
      g[vid] = ids.get(row[L])!;
    });
    const f = new Float64Array(leaves.length);
    for (let vid = 0; vid < counts.length; vid++) f[g[vid]] += counts[vid];
    const term = Float64Array.from(leaves, (x) => (totalLeaves > 1 ? (x - 1) / (totalLeaves - 1) : 0));
    let loss = 0;
    let entropy = 0;
    for (let vid = 0; vid < counts.length; vid++) {
      if (counts[vid] === 0) continue;
      loss += counts[vid] * term[g[vid]];
      entropy += counts[vid] * Math.log2(f[g[vid]] / counts[vid]);
    }
    gen.push(g);
    labels.push([...ids.keys()]);
    freq.push(f);
    lossTerm.push(term);
    lossAt[L] = records ? loss / records : 0;
    entropyAt[L] = entropy;
  }
  const keepTerm = lossTerm.map((term) => term.map((x) => 1 - x));
  const infoTerm = freq.map((f) => f.map((x) => Math.log2(records / x)));
  return { name: column.name, levels, gen, labels, freq, lossTerm, lossAt, entropyAt, keepTerm, infoTerm };
}

// ------------------------------------------------------------------ class tables

interface Pairs {
  cls: Int32Array;
  val: Int32Array;
  cnt: Float64Array;
  length: number;
}

/** The equivalence classes of one node: a representative record per class, sizes, sensitive histograms as pairs. */
export interface ClassTableAt {
  node: number;
  count: number;
  /** A record of each class (its row number). */
  rep: Int32Array;
  /** Row-major level-0 value ids of each class's representative (q per class): read sequentially. */
  tuple: Int32Array;
  sizes: Float64Array;
  pairs: Pairs[];
  /** Per class: fails the models (its records are suppressed). */
  fails: Uint8Array;
  suppressed: number;
}

const TWO_52 = 2 ** 52;

const INITIAL_SLOTS = 1 << 12;

/** Failure witnesses (Anonymizer.failureWitnessed): candidates, sampled source classes, how far Chao1 underestimates, and the smallest source worth a sample. */
const WITNESS_SKEW = 2.5;
const WITNESS_MIN_SOURCE = 1 << 16;

/** Radixes grouped by direct indexing (groupDirect): at most this many keys, and this many per possible class. */
const DIRECT_MAX = 1 << 22;
const DIRECT_RATIO = 4;
const WITNESS_CANDIDATES = 32;
const WITNESS_SAMPLE = 4096;

function hashInt(k: number): number {
  const h = Math.imul(k, 0x9e3779b1);
  return h ^ (h >>> 16);
}

/** For integer keys below 2^53. */
function hashFloat(k: number): number {
  const h = Math.imul((k >>> 0) ^ Math.imul((k / 4294967296) | 0, 0x9e3779b1), 0x85ebca6b);
  return h ^ (h >>> 15);
}

/** Slots of an open-addressing table for up to `entries` keys: a power of two, at most half full. */
function slotCount(entries: number): number {
  let slots = 16;
  while (slots < entries * 2) slots *= 2;
  return slots;
}

/** Dense ids for float64 keys (integers < 2^53): open addressing over typed arrays, reused between calls. */
class Densifier {
  keys = new Float64Array(16);
  vals = new Int32Array(16);

  private ints = new Int32Array(32);
  private floats = new Float64Array(32);

  /** Interleaved (key, id + 1) slots, cleared: for the roll-up's int32 keys. */
  intSlots(slots: number): Int32Array {
    if (this.ints.length < 2 * slots) this.ints = new Int32Array(2 * slots);
    else this.ints.fill(0, 0, 2 * slots);
    return this.ints;
  }

  /** Interleaved (key, id + 1) slots, cleared: for the roll-up's float64 keys. */
  floatSlots(slots: number): Float64Array {
    if (this.floats.length < 2 * slots) this.floats = new Float64Array(2 * slots);
    else this.floats.fill(0, 0, 2 * slots);
    return this.floats;
  }

  /** Twice the slots, the entries re-inserted: the old table's storage is kept for the next call. */
  growInt(tab: Int32Array, slots: number): Int32Array {
    const next = new Int32Array(4 * slots);
    const wrap = 4 * slots - 1;
    const mask = 2 * slots - 1;
    for (let s = 0; s < 2 * slots; s += 2) {
      if (tab[s + 1] === 0) continue;
      let t = (hashInt(tab[s]) & mask) << 1;
      while (next[t + 1] !== 0) t = (t + 2) & wrap;
      next[t] = tab[s];
      next[t + 1] = tab[s + 1];
    }
    if (next.length > this.ints.length) this.ints = next;
    return next;
  }

  growFloat(tab: Float64Array, slots: number): Float64Array {
    const next = new Float64Array(4 * slots);
    const wrap = 4 * slots - 1;
    const mask = 2 * slots - 1;
    for (let s = 0; s < 2 * slots; s += 2) {
      if (tab[s + 1] === 0) continue;
      let t = (hashFloat(tab[s]) & mask) << 1;
      while (next[t + 1] !== 0) t = (t + 2) & wrap;
      next[t] = tab[s];
      next[t + 1] = tab[s + 1];
    }
    if (next.length > this.floats.length) this.floats = next;
    return next;
  }

  /** Clears a table for up to `entries` keys; returns its slot count (a power of two). */
  prepare(entries: number): number {
    const slots = slotCount(entries);
    if (this.vals.length < slots) {
      this.vals = new Int32Array(slots);
      this.keys = new Float64Array(slots);
    } else this.vals.fill(0, 0, slots);
    return slots;
  }

  private direct = new Int32Array(16);

  /** run() for keys below `radix` (at most DIRECT_MAX): an id + 1 per key, no hashing; the same ids. */
  runDirect(input: Float64Array, len: number, out: Int32Array, radix: number): number {
    if (this.direct.length < radix) this.direct = new Int32Array(radix);
    const idOf = this.direct;
    let count = 0;
    for (let i = 0; i < len; i++) {
      const k = input[i];
      let v = idOf[k];
      if (v === 0) idOf[k] = v = ++count;
      out[i] = v - 1;
    }
    for (let i = 0; i < len; i++) idOf[input[i]] = 0;
    return count;
  }

  run(input: Float64Array, len: number, out: Int32Array): number {
    const slots = this.prepare(len);
    const keys = this.keys;
    const vals = this.vals;
    const mask = slots - 1;
    let count = 0;
    for (let i = 0; i < len; i++) {
      const k = input[i];
      let h = Math.imul((k >>> 0) ^ Math.imul((k / 4294967296) | 0, 0x9e3779b1), 0x85ebca6b);
      h ^= h >>> 15;
      let s = h & mask;
      for (;;) {
        const v = vals[s];
        if (v === 0) {
          keys[s] = k;
          vals[s] = ++count;
          out[i] = count - 1;
          break;
        }
        if (keys[s] === k) {
          out[i] = v - 1;
          break;
        }
        s = (s + 1) & mask;
      }
    }
    return count;
  }
}

/**
 * The representative record and level-0 tuple of each class a grouping finds, written as the class is
 * found (its source row is then in cache: a second pass would fetch it again). Grows by doubling, so a
 * roll-up to few classes keeps it small.
 */
class ClassSink {
  rep = new Int32Array(1024);
  tuple: Int32Array;

  constructor(readonly q: number) {
    this.tuple = new Int32Array(1024 * q);
  }

  /** Source class i (of `srcRep`, `srcTuple`) starts class `id`. */
  add(id: number, i: number, srcRep: Int32Array, srcTuple: Int32Array): void {
    if (id >= this.rep.length) this.grow();
    this.rep[id] = srcRep[i];
    const q = this.q;
    const tuple = this.tuple;
    for (let x = i * q, o = id * q, end = x + q; x < end; x++, o++) tuple[o] = srcTuple[x];
  }

  private grow(): void {
    const rep = new Int32Array(2 * this.rep.length);
    rep.set(this.rep);
    this.rep = rep;
    const tuple = new Int32Array(2 * this.tuple.length);
    tuple.set(this.tuple);
    this.tuple = tuple;
  }
}

/**
 * The grouping loops take their keys a block at a time: computed attribute by attribute (each key
 * table read in a tight loop), then looked up in a second loop short enough that the processor
 * overlaps the cache misses of many lookups. The blocks are scratch shared by those loops.
 */
const KEY_BLOCK = 1024;
const INT_BLOCK = new Int32Array(KEY_BLOCK);
const FLOAT_BLOCK = new Float64Array(KEY_BLOCK);

/** The int32 mixed-radix keys of source classes i0 … i0 + n − 1 into `out`. */
function keyBlockInt32(
  out: Int32Array,
  tup: Int32Array,
  q: number,
  i0: number,
  n: number,
  ts: Int32Array[],
  js: number[],
): void {
  out.fill(0, 0, n);
  for (let j = 0; j < js.length; j++) {
    const t = ts[j];
    for (let b = 0, x = i0 * q + js[j]; b < n; b++, x += q) out[b] += t[tup[x]];
  }
}

/** keyBlockInt32 for keys up to 2^52. */
function keyBlockFloat64(
  out: Float64Array,
  tup: Int32Array,
  q: number,
  i0: number,
  n: number,
  ts: Float64Array[],
  js: number[],
): void {
  out.fill(0, 0, n);
  for (let j = 0; j < js.length; j++) {
    const t = ts[j];
    for (let b = 0, x = i0 * q + js[j]; b < n; b++, x += q) out[b] += t[tup[x]];
  }
}

/**
 * Groups `C` source classes by their int32 mixed-radix key: the sum over the attributes `js` of the
 * pre-multiplied key tables `ts`. Fills `map` (source class → new class), `sizes` and `sink` (each
 * new class's representative and tuple, from `srcRep`); returns the class count, or −1 once it would exceed `limit`.
 * The table starts small and doubles when half full, so a node with few classes probes few cache
 * lines; each slot holds its key and id + 1 side by side. Kept apart from its float64 twin (below)
 * and from the engine's methods so that V8 optimizes each hot loop on its own.
 */
function groupInt32(
  tup: Int32Array,
  q: number,
  C: number,
  ts: Int32Array[],
  js: number[],
  most: number,
  limit: number,
  densifier: Densifier,
  map: Int32Array,
  sizes: Float64Array,
  sink: ClassSink,
  srcRep: Int32Array,
  srcSizes: Float64Array,
): number {
  let slots = Math.min(most, INITIAL_SLOTS);
  let tab = densifier.intSlots(slots);
  let mask = slots - 1;
  let wrap = 2 * slots - 1;
  let count = 0;
  const block = INT_BLOCK;
  for (let i = 0, b = KEY_BLOCK; i < C; i++, b++) {
    if (b === KEY_BLOCK) {
      keyBlockInt32(block, tup, q, i, Math.min(KEY_BLOCK, C - i), ts, js);
      b = 0;
    }
    const k = block[b];
    let slot = (hashInt(k) & mask) << 1;
    let id: number;
    for (;;) {
      const v = tab[slot + 1];
      if (v === 0) {
        if (count >= limit) return -1;
        tab[slot] = k;
        id = count++;
        tab[slot + 1] = count;
        sizes[id] = 0;
        sink.add(id, i, srcRep, tup);
        if (count * 2 > slots && slots < most) {
          tab = densifier.growInt(tab, slots);
          slots *= 2;
          mask = slots - 1;
          wrap = 2 * slots - 1;
        }
        break;
      }
      if (tab[slot] === k) {
        id = v - 1;
        break;
      }
      slot = (slot + 2) & wrap;
    }
    map[i] = id;
    sizes[id] += srcSizes[i];
  }
  return count;
}

/**
 * groupInt32 for a radix small enough to index: `cells` holds (id + 1, records) per key, side by
 * side, so each source class costs one random access and no hashing; the keys seen are cleared
 * afterwards (`keyOf`), leaving `cells` zeroed for the next call.
 */
function groupDirect(
  tup: Int32Array,
  q: number,
  C: number,
  ts: Int32Array[],
  js: number[],
  limit: number,
  cells: Int32Array,
  keyOf: Int32Array,
  map: Int32Array,
  sizes: Float64Array,
  sink: ClassSink,
  srcRep: Int32Array,
  srcSizes: Float64Array,
): number {
  let count = 0;
  const block = INT_BLOCK;
  for (let i = 0, b = KEY_BLOCK; i < C; i++, b++) {
    if (b === KEY_BLOCK) {
      keyBlockInt32(block, tup, q, i, Math.min(KEY_BLOCK, C - i), ts, js);
      b = 0;
    }
    const k = block[b];
    const c = k << 1;
    let id = cells[c] - 1;
    if (id < 0) {
      if (count >= limit) {
        count = -1;
        break;
      }
      id = count++;
      cells[c] = count;
      keyOf[id] = c;
      sink.add(id, i, srcRep, tup);
    }
    map[i] = id;
    cells[c + 1] += srcSizes[i];
  }
  const seen = count < 0 ? limit : count;
  for (let id = 0; id < seen; id++) {
    const c = keyOf[id];
    sizes[id] = cells[c + 1];
    cells[c] = 0;
    cells[c + 1] = 0;
  }
  return count;
}

/** groupInt32 for keys up to 2^52 (float64 keys and slots). */
function groupFloat64(
  tup: Int32Array,
  q: number,
  C: number,
  ts: Float64Array[],
  js: number[],
  most: number,
  limit: number,
  densifier: Densifier,
  map: Int32Array,
  sizes: Float64Array,
  sink: ClassSink,
  srcRep: Int32Array,
  srcSizes: Float64Array,
): number {
  let slots = Math.min(most, INITIAL_SLOTS);
  let tab = densifier.floatSlots(slots);
  let mask = slots - 1;
  let wrap = 2 * slots - 1;
  let count = 0;
  const block = FLOAT_BLOCK;
  for (let i = 0, b = KEY_BLOCK; i < C; i++, b++) {
    if (b === KEY_BLOCK) {
      keyBlockFloat64(block, tup, q, i, Math.min(KEY_BLOCK, C - i), ts, js);
      b = 0;
    }
    const k = block[b];
    let slot = (hashFloat(k) & mask) << 1;
    let id: number;
    for (;;) {
      const v = tab[slot + 1];
      if (v === 0) {
        if (count >= limit) return -1;
        tab[slot] = k;
        id = count++;
        tab[slot + 1] = count;
        sizes[id] = 0;
        sink.add(id, i, srcRep, tup);
        if (count * 2 > slots && slots < most) {
          tab = densifier.growFloat(tab, slots);
          slots *= 2;
          mask = slots - 1;
          wrap = 2 * slots - 1;
        }
        break;
      }
      if (tab[slot] === k) {
        id = v - 1;
        break;
      }
      slot = (slot + 2) & wrap;
    }
    map[i] = id;
    sizes[id] += srcSizes[i];
  }
  return count;
}

interface Cells {
  count: number;
  cells: Float64Array;
  va: Int32Array;
  vb: Int32Array;
}

/** Chao1's estimate of the distinct keys of a population from a sample's key counts. */
function chao1(seen: Map<unknown, number>): number {
  let once = 0;
  let twice = 0;
  for (const c of seen.values()) {
    if (c === 1) once++;
    else if (c === 2) twice++;
  }
  return seen.size + (twice ? (once * once) / (2 * twice) : (once * (once - 1)) / 2);
}

function rowMajor(data: Dataset): Int32Array {
  const q = data.quasi.length;
  const out = new Int32Array(data.records * q);
  data.quasi.forEach((c, a) => {
    const ids = c.ids;
    for (let r = 0, p = a; r < data.records; r++, p += q) out[p] = ids[r];
  });
  return out;
}

// ------------------------------------------------------------------ the engine

export class Anonymizer {
  readonly attributes: BoundAttribute[];
  readonly q: number;
  readonly n: number;
  readonly heights: number[];
  readonly strides: number[];
  readonly nodes: number;
  readonly kEff: number;
  readonly monotonic: boolean;
  private readonly maxSuppressed: number;
  private readonly densifier = new Densifier();
  private keyScratch = new Float64Array(0);
  private idScratch = new Int32Array(0);
  private mapScratch = new Int32Array(0);
  private sizeScratch = new Float64Array(0);
  private readonly sink: ClassSink;
  /** groupDirect's (id + 1, records) per key, all zero between calls, and the keys it set. */
  private directCells = new Int32Array(0);
  private directKeys = new Int32Array(0);
  private readonly root: ClassTableAt;
  private bottom: ClassTableAt | null = null;
  /** Per QI, the lowest level any possibly anonymous node has (raised by projectionFilter). */
  private floor: number[];
  private readonly cache = new Map<number, ClassTableAt>();
  private cached = 0;
  /** Classes kept in cached tables before the largest are dropped (about 13 + 4q bytes each). */
  private readonly cacheBudget = 2_000_000;
  private readonly globalShare: Float64Array[];
  /** Per sensitive attribute: the ordered-distance tables when every value is numeric, else null. */
  private readonly ordered: (OrderedTables | null)[];
  evaluated = 0;
  /** Failure witnesses on (off for the exhaustive search, the plain reference). */
  private shortcuts = true;

  constructor(
    readonly data: Dataset,
    hierarchies: Record<string, Hierarchy>,
    readonly models: PrivacyModels,
  ) {
    if (data.records === 0) throw new AnonymizeInputError('the dataset has no records to anonymize');
    this.n = data.records;
    this.attributes = data.quasi.map((c) => {
      const h = hierarchies[c.name];
      if (!h) throw new AnonymizeInputError(`give a hierarchy (file or rule) for the quasi-identifier ${c.name}`);
      return bindHierarchy(c, h, data.records);
    });
    this.q = this.attributes.length;
    this.sink = new ClassSink(this.q);
    this.heights = this.attributes.map((a) => a.levels);
    this.strides = [];
    let nodes = 1;
    for (let a = this.q - 1; a >= 0; a--) {
      this.strides[a] = nodes;
      nodes *= this.heights[a];
    }
    if (nodes > 5_000_000)
      throw new AnonymizeInputError(
        `the lattice has ${nodes} nodes; use fewer quasi-identifiers or shorter hierarchies`,
      );
    this.nodes = nodes;
    this.floor = this.heights.map(() => 0);
    const m = models;
    for (const [name, v] of Object.entries({
      k: m.k,
      l: m.l?.l,
      t: m.t,
      highestRisk: m.highestRisk,
      averageRisk: m.averageRisk,
      maxSuppression: m.maxSuppression,
    })) {
      if (v !== undefined && !(Number.isFinite(v) && v >= 0))
        throw new AnonymizeInputError(`${name} must be a non-negative number`);
    }
    if ((m.l || m.t !== undefined) && data.sensitive.length === 0)
      throw new AnonymizeInputError('ℓ-diversity and t-closeness need a sensitive attribute');
    this.kEff = Math.max(1, Math.ceil(m.k ?? 1), m.highestRisk ? Math.ceil(1 / m.highestRisk - 1e-9) : 1);
    const suppression = m.maxSuppression ?? 0;
    if (suppression > 1) throw new AnonymizeInputError('maxSuppression is a share between 0 and 1');
    this.maxSuppressed = Math.floor(suppression * this.n + 1e-9);
    this.monotonic =
      this.maxSuppressed === 0 || (m.l?.variant !== 'entropy' && m.t === undefined && m.averageRisk === undefined);
    this.globalShare = data.sensitive.map((s) => {
      const share = new Float64Array(s.values.length);
      for (let i = 0; i < s.ids.length; i++) share[s.ids[i]]++;
      for (let v = 0; v < share.length; v++) share[v] /= this.n;
      return share;
    });
    this.ordered = data.sensitive.map((s, i) => orderedTables(s.values, this.globalShare[i]));
    const n = this.n;
    this.root = {
      node: -1,
      count: n,
      rep: Int32Array.from({ length: n }, (_, i) => i),
      tuple: rowMajor(data),
      sizes: new Float64Array(n).fill(1),
      pairs: data.sensitive.map((s) => ({
        cls: Int32Array.from({ length: n }, (_, i) => i),
        val: s.ids,
        cnt: new Float64Array(n).fill(1),
        length: n,
      })),
      fails: new Uint8Array(0),
      suppressed: 0,
    };
  }

  levelsOf(node: number): number[] {
    return this.heights.map((_, a) => Math.floor(node / this.strides[a]) % this.heights[a]);
  }

  nodeOf(levels: readonly number[]): number {
    return levels.reduce((s, l, a) => s + l * this.strides[a], 0);
  }

  /** Lower bound of the metric (the generalization's loss without suppression); 0 for DM and AECS. */
  lowerBound(node: number, metric: Metric): number {
    if (metric !== 'loss' && metric !== 'entropy') return 0;
    let sum = 0;
    for (let a = 0; a < this.q; a++) {
      const L = Math.floor(node / this.strides[a]) % this.heights[a];
      sum += metric === 'loss' ? this.attributes[a].lossAt[L] : this.attributes[a].entropyAt[L];
    }
    return metric === 'loss' ? sum / this.q : sum;
  }

  /** Most classes an anonymous node can have: released classes hold ≥ kEff records, suppressed ones ≥ 1. */
  get classLimit(): number {
    return Math.floor(this.n / this.kEff) + this.maxSuppressed;
  }

  /**
   * The classes of a node, rolled up from its smallest cached specialization; null when the node
   * has more classes than an anonymous node can have (the roll-up stops as soon as it sees that).
   */
  classes(node: number): ClassTableAt | null {
    const hit = this.cache.get(node);
    if (hit) return hit;
    const levels = this.levelsOf(node);
    // The lowest node that can be anonymous (see projectionFilter) is the first source: the rest generalize it.
    // Unless nearly every record is a class of its own there (then the records serve as well, unrolled).
    this.bottom ??= this.bottomCompresses()
      ? this.rollUp(this.root, this.nodeOf(this.floor), this.floor, Infinity)!.table
      : this.root;
    let source =
      this.bottom.count < this.root.count && this.isSpecialization(this.bottom.node, levels) ? this.bottom : this.root;
    for (const t of this.cache.values()) {
      if (t.count < source.count && this.isSpecialization(t.node, levels)) source = t;
    }
    this.evaluated++;
    if (
      this.shortcuts &&
      source.count >= WITNESS_MIN_SOURCE &&
      source.count > this.classLimit &&
      this.failureWitnessed(source, levels)
    )
      return null;
    const rolled = this.rollUp(source, node, levels, this.classLimit);
    if (!rolled) return null;
    this.remember(rolled.table);
    return rolled.table;
  }

  /**
   * Whether a few likely-small classes of the node prove it cannot be anonymous, without computing
   * its classes: a light pass over the source counts the records of the classes of `WITNESS_CANDIDATES`
   * source classes whose generalized values are the rarest (expected size under independence, from a
   * sample), and when those of them under kEff hold more records than may be suppressed, the node
   * fails (its suppressed classes include them, whatever the other models). No hash table the size
   * of the node is built: each source class is rejected by one value filter per attribute or looked
   * up in a table of the candidates' keys. False when nothing is proven (then the node is rolled up).
   */
  private failureWitnessed(src: ClassTableAt, levels: number[], estimate = true): boolean {
    const k = this.kEff;
    if (k <= 1) return false;
    const q = this.q;
    const js: number[] = [];
    const gs: Int32Array[] = [];
    const ds: number[] = [];
    const fs: Float64Array[] = [];
    let radix = 1;
    for (let a = 0; a < q; a++) {
      const attr = this.attributes[a];
      const d = attr.labels[levels[a]].length;
      if (d === 1) continue;
      js.push(a);
      gs.push(attr.gen[levels[a]]);
      ds.push(d);
      fs.push(attr.freq[levels[a]]);
      radix *= d;
    }
    if (radix > TWO_52 || js.length === 0) return false;
    const m = js.length;
    const ts = this.keyTables(gs, ds, Float64Array);
    const tup = src.tuple;
    const C = src.count;
    // Candidates: the sampled source classes with the smallest Π f_j / n^(m-1) (distinct keys).
    const step = Math.max(1, Math.floor(C / WITNESS_SAMPLE));
    const sampled: { i: number; key: number; expected: number }[] = [];
    const seen = new Map<number, number>();
    for (let i = 0; i < C; i += step) {
      let key = 0;
      let expected = 1;
      for (let j = 0; j < m; j++) {
        const v = tup[i * q + js[j]];
        key += ts[j][v];
        expected *= fs[j][gs[j][v]] / this.n;
      }
      sampled.push({ i, key, expected });
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    // Chao1's estimate of the node's classes from the sample (an underestimate on skewed data): a node
    // likely to stay under the class limit is rolled up instead, its table a source for later nodes.
    if (estimate && chao1(seen) * WITNESS_SKEW <= this.classLimit) return false;
    sampled.sort((x, y) => x.expected - y.expected || x.i - y.i);
    const slots = 4 * WITNESS_CANDIDATES;
    const mask = slots - 1;
    const keys = new Float64Array(slots);
    const used = new Uint8Array(slots);
    const pass = js.map((_, j) => new Uint8Array(gs[j].length));
    // Per attribute, the generalized values of the candidates and the records they hold.
    const passing = js.map((_, j) => new Uint8Array(fs[j].length));
    const share = new Float64Array(m);
    let candidates = 0;
    for (const s of sampled) {
      if (candidates === WITNESS_CANDIDATES) break;
      let h = hashFloat(s.key) & mask;
      while (used[h] && keys[h] !== s.key) h = (h + 1) & mask;
      if (used[h]) continue;
      used[h] = 1;
      keys[h] = s.key;
      candidates++;
      for (let j = 0; j < m; j++) {
        const g = gs[j][tup[s.i * q + js[j]]];
        const gen = gs[j];
        if (!passing[j][g]) share[j] += fs[j][g];
        passing[j][g] = 1;
        for (let v = 0; v < gen.length; v++) if (gen[v] === g) pass[j][v] = 1;
      }
    }
    // The filter tries the attribute that lets the fewest records through first (same outcome, fewer reads).
    const filter = js.map((_, j) => j).sort((x, y) => share[x] - share[y] || x - y);
    const fPass = filter.map((j) => pass[j]);
    const fAt = filter.map((j) => js[j]);
    const counts = new Float64Array(slots);
    const sizes = src.sizes;
    // Candidates still under kEff; once they cannot hold more than the limit, nothing can be proven.
    let open = candidates;
    const hopeless = Math.floor(this.maxSuppressed / (k - 1));
    scan: for (let i = 0; i < C; i++) {
      const base = i * q;
      for (let j = 0; j < m; j++) if (fPass[j][tup[base + fAt[j]]] === 0) continue scan;
      let key = 0;
      for (let j = 0; j < m; j++) key += ts[j][tup[base + js[j]]];
      let h = hashFloat(key) & mask;
      while (used[h] && keys[h] !== key) h = (h + 1) & mask;
      if (!used[h]) continue;
      const before = counts[h];
      counts[h] = before + sizes[i];
      if (before < k && counts[h] >= k && --open <= hopeless) return false;
    }
    let small = 0;
    for (let h = 0; h < slots; h++) if (used[h] && counts[h] < k) small += counts[h];
    return small > this.maxSuppressed;
  }

  /** Whether the lowest possibly anonymous node likely has fewer classes than half the records (Chao1 on a sample). */
  private bottomCompresses(): boolean {
    const step = Math.max(1, Math.floor(this.n / WITNESS_SAMPLE));
    const seen = new Map<string, number>();
    const gens = this.attributes.map((attr, a) => attr.gen[this.floor[a]]);
    const columns = this.data.quasi.map((c) => c.ids);
    for (let r = 0; r < this.n; r += step) {
      const key = gens.map((g, a) => g[columns[a][r]]).join(',');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    return chao1(seen) * WITNESS_SKEW < this.n / 2;
  }

  private isSpecialization(node: number, levels: number[]): boolean {
    for (let a = 0; a < this.q; a++) if (Math.floor(node / this.strides[a]) % this.heights[a] > levels[a]) return false;
    return true;
  }

  private remember(t: ClassTableAt): void {
    this.cache.set(t.node, t);
    this.cached += t.count;
    if (this.cached <= this.cacheBudget) return;
    const byCount = [...this.cache.values()].filter((x) => x.node !== 0 && x !== t).sort((a, b) => b.count - a.count);
    for (const x of byCount) {
      if (this.cached <= this.cacheBudget / 2) break;
      this.cache.delete(x.node);
      this.cached -= x.count;
    }
  }

  private scratch(C: number): void {
    if (this.mapScratch.length >= C) return;
    this.mapScratch = new Int32Array(C);
    this.sizeScratch = new Float64Array(C);
  }

  /**
   * Groups the source's classes by their generalization at `levels`: one pass, each class keyed by
   * the mixed-radix number of its generalized values, hashed into a typed open-addressing table.
   */
  private rollUp(
    src: ClassTableAt,
    node: number,
    levels: number[],
    limit: number,
  ): { table: ClassTableAt; map: Int32Array } | null {
    const C = src.count;
    const q = this.q;
    this.scratch(C);
    const js: number[] = [];
    const gs: Int32Array[] = [];
    const ds: number[] = [];
    let radix = 1;
    for (let a = 0; a < q; a++) {
      const d = this.attributes[a].labels[levels[a]].length;
      if (d === 1) continue;
      js.push(a);
      gs.push(this.attributes[a].gen[levels[a]]);
      ds.push(d);
      radix *= d;
    }
    const m = js.length;
    const tup = src.tuple;
    const map = this.mapScratch;
    const sizesS = this.sizeScratch;
    const sink = this.sink;
    const srcRep = src.rep;
    const srcSizes = src.sizes;
    let count: number;
    // The mixed-radix key Σ_j g_j × Π_{i>j} d_i, as one pre-multiplied table per attribute (the same
    // integer as Horner's rule, without its chain of dependent multiplications), grouped by
    // groupInt32 / groupFloat64.
    if (radix <= DIRECT_MAX && radix <= DIRECT_RATIO * Math.min(C, limit + 1)) {
      if (this.directCells.length < 2 * radix) this.directCells = new Int32Array(2 * radix);
      if (this.directKeys.length < Math.min(C, limit + 1)) this.directKeys = new Int32Array(Math.min(C, limit + 1));
      count = groupDirect(
        tup,
        q,
        C,
        this.keyTables(gs, ds, Int32Array),
        js,
        limit,
        this.directCells,
        this.directKeys,
        map,
        sizesS,
        sink,
        srcRep,
        srcSizes,
      );
      if (count < 0) return null;
    } else if (radix < 2 ** 31) {
      // Keys fit an int32: integer hashing, no float conversions.
      count = groupInt32(
        tup,
        q,
        C,
        this.keyTables(gs, ds, Int32Array),
        js,
        slotCount(Math.min(C, limit + 1)),
        limit,
        this.densifier,
        map,
        sizesS,
        sink,
        srcRep,
        srcSizes,
      );
      if (count < 0) return null;
    } else if (radix <= TWO_52) {
      count = groupFloat64(
        tup,
        q,
        C,
        this.keyTables(gs, ds, Float64Array),
        js,
        slotCount(Math.min(C, limit + 1)),
        limit,
        this.densifier,
        map,
        sizesS,
        sink,
        srcRep,
        srcSizes,
      );
      if (count < 0) return null;
    } else {
      // Too many combinations for one float64 key: fold attribute by attribute, densifying as needed.
      const key = new Float64Array(C);
      const ids = new Int32Array(C);
      let r = 1;
      for (let j = 0; j < m; j++) {
        if (r * ds[j] > TWO_52) {
          r = this.densifier.run(key, C, ids);
          for (let i = 0; i < C; i++) key[i] = ids[i];
        }
        for (let i = 0; i < C; i++) key[i] = key[i] * ds[j] + gs[j][tup[i * q + js[j]]];
        r *= ds[j];
      }
      count = this.densifier.run(key, C, map);
      if (count > limit) return null;
      sizesS.fill(0, 0, count);
      // Dense ids come in order of first appearance: class c starts where the ids seen reach c.
      for (let i = 0, seen = 0; i < C; i++) {
        sizesS[map[i]] += srcSizes[i];
        if (map[i] === seen) sink.add(seen++, i, srcRep, tup);
      }
    }
    const sizes = sizesS.slice(0, count);
    const rep = sink.rep.slice(0, count);
    const tuple = sink.tuple.slice(0, count * q);
    const needPairs = !!this.models.l || this.models.t !== undefined;
    const pairs = needPairs
      ? src.pairs.map((p, s) => this.rollUpPairs(p, map, this.data.sensitive[s].values.length))
      : [];
    const table: ClassTableAt = { node, count, rep, tuple, sizes, pairs, fails: new Uint8Array(count), suppressed: 0 };
    this.judge(table);
    return { table, map: map.subarray(0, C) };
  }

  /** Per attribute, its generalized value times the product of the later attributes' domain sizes. */
  private keyTables<T extends Int32Array | Float64Array>(
    gs: Int32Array[],
    ds: number[],
    Type: { new (n: number): T },
  ): T[] {
    const out: T[] = [];
    let mul = 1;
    for (let j = gs.length - 1; j >= 0; j--) {
      const g = gs[j];
      const t = new Type(g.length);
      for (let v = 0; v < g.length; v++) t[v] = g[v] * mul;
      out[j] = t;
      mul *= ds[j];
    }
    return out;
  }

  private rollUpPairs(p: Pairs, map: Int32Array, V: number): Pairs {
    const len = p.length;
    if (this.keyScratch.length < len) {
      this.keyScratch = new Float64Array(len);
      this.idScratch = new Int32Array(len);
    }
    const key = this.keyScratch;
    for (let i = 0; i < len; i++) key[i] = map[p.cls[i]] * V + p.val[i];
    const pm = this.idScratch;
    const count = this.densifier.run(key, len, pm);
    const cls = new Int32Array(count);
    const val = new Int32Array(count);
    const cnt = new Float64Array(count);
    for (let i = 0; i < len; i++) {
      const j = pm[i];
      cnt[j] += p.cnt[i];
      cls[j] = map[p.cls[i]];
      val[j] = p.val[i];
    }
    return { cls, val, cnt, length: count };
  }

  /** Marks the classes failing the per-class models and counts the records they hold. */
  private judge(t: ClassTableAt): void {
    const { count, sizes, fails } = t;
    const k = this.kEff;
    for (let c = 0; c < count; c++) if (sizes[c] < k) fails[c] = 1;
    const m = this.models;
    if (m.l || m.t !== undefined) {
      const distinct = new Int32Array(count);
      const cLogC = new Float64Array(count);
      const sumAbs = new Float64Array(count);
      const sumQ = new Float64Array(count);
      t.pairs.forEach((p, s) => {
        distinct.fill(0);
        cLogC.fill(0);
        sumAbs.fill(0);
        sumQ.fill(0);
        const share = this.globalShare[s];
        for (let i = 0; i < p.length; i++) {
          const c = p.cls[i];
          const x = p.cnt[i];
          distinct[c]++;
          cLogC[c] += x * Math.log(x);
          const Q = share[p.val[i]];
          sumAbs[c] += Math.abs(x / sizes[c] - Q);
          sumQ[c] += Q;
        }
        for (let c = 0; c < count; c++) {
          if (m.l) {
            const f = sizes[c];
            const l = m.l.variant === 'distinct' ? distinct[c] : Math.exp(Math.log(f) - cLogC[c] / f);
            if (l < m.l.l - 1e-9) fails[c] = 1;
          }
          if (m.t !== undefined && !this.ordered[s] && (sumAbs[c] + 1 - sumQ[c]) / 2 > m.t + 1e-12) fails[c] = 1;
        }
        const ordered = this.ordered[s];
        if (m.t !== undefined && ordered) {
          const distance = orderedDistances(ordered, p, sizes, count);
          for (let c = 0; c < count; c++) if (distance[c] > m.t + 1e-12) fails[c] = 1;
        }
      });
    }
    let suppressed = 0;
    for (let c = 0; c < count; c++) if (fails[c]) suppressed += sizes[c];
    t.suppressed = suppressed;
  }

  /**
   * Whether a node is anonymous, with its metric values. The search passes `failingMetrics` false:
   * it never reads the metrics of a node that fails, whose loss and entropy (the suppression penalty,
   * a pass over the suppressed classes) are then NaN.
   */
  transformation(node: number, failingMetrics = true): Transformation {
    const t = this.classes(node);
    if (!t) {
      const none = { loss: NaN, entropy: NaN, discernibility: NaN, aecs: NaN };
      return { levels: this.levelsOf(node), anonymous: false, suppressed: NaN, classes: NaN, metrics: none };
    }
    const kept = this.n - t.suppressed;
    let released = 0;
    let squares = 0;
    for (let c = 0; c < t.count; c++) {
      if (t.fails[c]) continue;
      released++;
      squares += t.sizes[c] * t.sizes[c];
    }
    let anonymous = t.suppressed <= this.maxSuppressed && kept > 0;
    if (anonymous && this.models.averageRisk !== undefined && released / kept > this.models.averageRisk + 1e-12)
      anonymous = false;
    const levels = this.levelsOf(node);
    // Suppression raises the loss of the suppressed records to the maximum: depends only on their class's values.
    let lossPenalty = 0;
    let entropyPenalty = 0;
    if (!anonymous && !failingMetrics) lossPenalty = entropyPenalty = NaN;
    else if (t.suppressed > 0) {
      // The class's level-0 values are its row of `tuple` (read in order); the per-value terms are tables.
      const q = this.q;
      const gens = this.attributes.map((attr, a) => attr.gen[levels[a]]);
      const keep = this.attributes.map((attr, a) => attr.keepTerm[levels[a]]);
      const info = this.attributes.map((attr, a) => attr.infoTerm[levels[a]]);
      const { tuple, sizes, fails } = t;
      for (let c = 0; c < t.count; c++) {
        if (!fails[c]) continue;
        const size = sizes[c];
        for (let a = 0, x = c * q; a < q; a++, x++) {
          const g = gens[a][tuple[x]];
          lossPenalty += size * keep[a][g];
          entropyPenalty += size * info[a][g];
        }
      }
    }
    const metrics: MetricValues = {
      loss: this.lowerBound(node, 'loss') + lossPenalty / (this.n * this.q),
      entropy: this.lowerBound(node, 'entropy') + entropyPenalty,
      discernibility: squares + t.suppressed * this.n,
      aecs: this.n / (released + (t.suppressed > 0 ? 1 : 0)),
    };
    return { levels, anonymous, suppressed: t.suppressed, classes: released, metrics };
  }

  /** Class id (at `node`) of every record, -1 for suppressed records. */
  recordClasses(node: number): { classOf: Int32Array; table: ClassTableAt } {
    // The map lives in scratch space: copy it out before any other roll-up.
    // Straight from the records (one pass): the class ids match nothing cached, so the table is the one returned.
    const { table, map } = this.rollUp(this.root, node, this.levelsOf(node), Infinity)!;
    const classOf = Int32Array.from(map);
    for (let r = 0; r < this.n; r++) if (table.fails[classOf[r]]) classOf[r] = -1;
    return { classOf, table };
  }

  /** The generalized value of attribute a for record r at the given levels. */
  label(a: number, level: number, record: number): string {
    const attr = this.attributes[a];
    return attr.labels[level][attr.gen[level][this.data.quasi[a].ids[record]]];
  }

  // ---------------------------------------------------------------- search

  search(options: Omit<AnonymizeOptions, 'models'> = {}): AnonymizationResult {
    const metric = options.metric ?? 'loss';
    this.shortcuts = !options.exhaustive && options.witnesses !== false;
    const N = this.nodes;
    const bound = new Float64Array(N);
    const height = new Int32Array(N);
    for (let v = 0; v < N; v++) {
      bound[v] = this.lowerBound(v, metric);
      height[v] = this.levelsOf(v).reduce((s, x) => s + x, 0);
    }
    const order = Int32Array.from({ length: N }, (_, i) => i).sort(
      (a, b) => bound[a] - bound[b] || height[a] - height[b] || a - b,
    );
    // status: 0 unknown, 1 anonymous, 2 not anonymous; above: a specialization is anonymous (so not minimal).
    // The projection filter costs a pass per attribute pair: worth it on large lattices only.
    const status = options.exhaustive || N < 2000 ? new Uint8Array(N) : this.projectionFilter();
    const above = new Uint8Array(N);
    const results = new Map<number, Transformation>();
    const evaluate = (v: number): Transformation => {
      let r = results.get(v);
      if (!r) {
        r = this.transformation(v, false);
        results.set(v, r);
        status[v] = r.anonymous ? 1 : 2;
        if (this.monotonic && !options.exhaustive)
          (r.anonymous ? this.tagUp : this.tagDown).call(this, v, status, above);
      }
      return r;
    };
    let best: { node: number; t: Transformation; value: number } | null = null;
    let visited = 0;
    for (let i = 0; i < N; i++) {
      options.signal?.throwIfAborted();
      const v = order[i];
      if (!options.exhaustive && best && bound[v] >= best.value - 1e-12 * Math.max(1, Math.abs(best.value))) break;
      visited++;
      if (visited % 64 === 0) options.onProgress?.({ evaluated: this.evaluated, visited, nodes: N });
      if (!options.exhaustive && this.monotonic && (status[v] === 2 || above[v])) continue;
      const r = evaluate(v);
      if (!r.anonymous) {
        if (this.monotonic && !options.exhaustive) this.probe(v, evaluate, status);
        continue;
      }
      // Minimal: no direct specialization is anonymous (all were visited before: their bound is lower).
      let minimal = true;
      for (let a = 0; a < this.q && minimal; a++) {
        if (r.levels[a] === 0) continue;
        const p = v - this.strides[a];
        if (status[p] === 0) evaluate(p);
        if (status[p] === 1) minimal = false;
      }
      if (!minimal) continue;
      const value = r.metrics[metric];
      if (!best || value < best.value - 1e-12 * Math.max(1, Math.abs(best.value))) best = { node: v, t: r, value };
    }
    options.onProgress?.({ evaluated: this.evaluated, visited, nodes: N });
    return {
      best: best?.t ?? null,
      metric,
      nodes: N,
      evaluated: this.evaluated,
      records: this.n,
      minClassSize: this.kEff,
    };
  }

  /**
   * Nodes that cannot be anonymous, found from one- and two-attribute projections without computing
   * any node's classes: a record in a projection cell smaller than kEff is in a class smaller than
   * kEff at every node with those two levels, so when such records exceed the suppression limit,
   * every node with those levels fails (whatever the other attributes, for every model: this is not
   * a monotonicity argument). Returns the status array (2 = not anonymous) and raises `floor`.
   */
  projectionFilter(): Uint8Array {
    const N = this.nodes;
    const status = new Uint8Array(N);
    if (this.kEff <= 1) return status;
    const q = this.q;
    const k = this.kEff;
    const limit = this.maxSuppressed;
    // bad[a][b][La * hb + Lb] for a ≤ b (a = b: the single attribute).
    const bad: Uint8Array[][] = [];
    for (let a = 0; a < q; a++) {
      bad[a] = [];
      for (let b = a; b < q; b++) {
        const A = this.attributes[a];
        const B = this.attributes[b];
        const ha = A.levels;
        const hb = B.levels;
        const flags = new Uint8Array(ha * hb);
        const Da = A.gen[0].length;
        const Db = a === b ? 1 : B.gen[0].length;
        const ia = this.data.quasi[a].ids;
        const ib = this.data.quasi[b].ids;
        // Level-0 cells: (value of a, value of b) → records; dense counts when the grid is small enough.
        let count: number;
        let cells: Float64Array;
        let va: Int32Array;
        let vb: Int32Array;
        if (Da * Db <= 1 << 23) {
          const grid = new Int32Array(Da * Db);
          const seen: number[] = [];
          for (let r = 0; r < this.n; r++) {
            const g = a === b ? ia[r] : ia[r] * Db + ib[r];
            if (grid[g]++ === 0) seen.push(g);
          }
          count = seen.length;
          cells = new Float64Array(count);
          va = new Int32Array(count);
          vb = new Int32Array(count);
          for (let c = 0; c < count; c++) {
            const g = seen[c];
            cells[c] = grid[g];
            va[c] = a === b ? g : Math.floor(g / Db);
            vb[c] = a === b ? g : g % Db;
          }
        } else {
          const keyOf = new Float64Array(this.n);
          for (let r = 0; r < this.n; r++) keyOf[r] = ia[r] * Db + ib[r];
          const cellOf = new Int32Array(this.n);
          count = this.densifier.run(keyOf, this.n, cellOf);
          cells = new Float64Array(count);
          va = new Int32Array(count);
          vb = new Int32Array(count);
          for (let r = 0; r < this.n; r++) {
            const c = cellOf[r];
            cells[c]++;
            va[c] = ia[r];
            vb[c] = ib[r];
          }
        }
        // Roll the cells up level by level; records in small cells only shrink as levels rise, so
        // along Lb the first combination that is not bad ends the row, and a row that starts good
        // ends the whole pair.
        const roll = (src: Cells, La: number, Lb: number): Cells => {
          const ga = A.gen[La];
          const gb = B.gen[Lb];
          const db = a === b ? 1 : B.labels[Lb].length;
          const key = new Float64Array(src.count);
          for (let c = 0; c < src.count; c++) key[c] = a === b ? ga[src.va[c]] : ga[src.va[c]] * db + gb[src.vb[c]];
          const id = new Int32Array(src.count);
          const radix = A.labels[La].length * db;
          const groups =
            radix <= DIRECT_MAX
              ? this.densifier.runDirect(key, src.count, id, radix)
              : this.densifier.run(key, src.count, id);
          const out: Cells = {
            count: groups,
            cells: new Float64Array(groups),
            va: new Int32Array(groups),
            vb: new Int32Array(groups),
          };
          for (let c = 0; c < src.count; c++) {
            const g = id[c];
            out.cells[g] += src.cells[c];
            out.va[g] = src.va[c];
            out.vb[g] = src.vb[c];
          }
          return out;
        };
        const smallRecords = (t: Cells) => {
          let small = 0;
          for (let g = 0; g < t.count; g++) if (t.cells[g] < k) small += t.cells[g];
          return small;
        };
        let rowStart: Cells = { count, cells, va, vb };
        for (let La = 0; La < ha; La++) {
          if (La > 0) rowStart = roll(rowStart, La, 0);
          let t = rowStart;
          let rowGood = true;
          for (let Lb = a === b ? La : 0; Lb < (a === b ? La + 1 : hb); Lb++) {
            if (Lb > 0 && a !== b) t = roll(t, La, Lb);
            if (smallRecords(t) <= limit) break;
            flags[La * hb + Lb] = 1;
            if (Lb === 0 || a === b) rowGood = false;
          }
          if (rowGood) break;
        }
        bad[a][b] = flags;
      }
    }
    const floor = this.heights.map((h) => h);
    for (let v = 0; v < N; v++) {
      const L = this.levelsOf(v);
      let fails = false;
      for (let a = 0; a < q && !fails; a++) {
        for (let b = a; b < q && !fails; b++) if (bad[a][b][L[a] * this.heights[b] + L[b]]) fails = true;
      }
      if (fails) status[v] = 2;
      else for (let a = 0; a < q; a++) if (L[a] < floor[a]) floor[a] = L[a];
    }
    if (floor.every((f, a) => f < this.heights[a])) this.floor = floor;
    return status;
  }

  private climbs = 0;

  /**
   * From a node that is not anonymous, climb to a maximal node that is not anonymous (raising each
   * attribute in turn as far as it stays not anonymous, by binary search over its levels), so that
   * tagging its specializations classifies as many nodes as possible at once: Flash's idea of
   * checking paths rather than single nodes.
   */
  private probe(from: number, evaluate: (v: number) => Transformation, status: Uint8Array): void {
    const levels = this.levelsOf(from);
    const start = this.climbs++ % this.q;
    for (let i = 0; i < this.q; i++) {
      const a = (start + i) % this.q;
      let lo = levels[a] + 1;
      let hi = this.heights[a] - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const v = this.nodeOf(levels) + (mid - levels[a]) * this.strides[a];
        const anonymous = status[v] === 1 || (status[v] === 0 && evaluate(v).anonymous);
        if (anonymous) hi = mid - 1;
        else lo = mid + 1;
      }
      levels[a] = hi;
    }
    const top = this.nodeOf(levels);
    if (status[top] === 0) evaluate(top);
  }

  private tagDown(v: number, status: Uint8Array): void {
    const stack = [v];
    while (stack.length) {
      const x = stack.pop()!;
      for (let a = 0; a < this.q; a++) {
        if (Math.floor(x / this.strides[a]) % this.heights[a] === 0) continue;
        const p = x - this.strides[a];
        if (status[p] === 2) continue;
        status[p] = 2;
        stack.push(p);
      }
    }
  }

  private tagUp(v: number, status: Uint8Array, above: Uint8Array): void {
    const stack = [v];
    while (stack.length) {
      const x = stack.pop()!;
      for (let a = 0; a < this.q; a++) {
        if (Math.floor(x / this.strides[a]) % this.heights[a] === this.heights[a] - 1) continue;
        const s = x + this.strides[a];
        if (above[s]) continue;
        above[s] = 1;
        status[s] = 1;
        stack.push(s);
      }
    }
  }
}

// ------------------------------------------------------------------ ordered distance (t-closeness)

const NUMBER = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

interface OrderedTables {
  /** Rank of each value id in numeric order. */
  rank: Int32Array;
  /** Qc[i]: the whole dataset's cumulative share up to and including rank i. */
  Qc: Float64Array;
  /** P[i] = Σ_{j<i} Qc[j]. */
  P: Float64Array;
}

/** Null unless every value is a number (then the gate uses the ordered distance too). */
function orderedTables(values: string[], share: Float64Array): OrderedTables | null {
  const m = values.length;
  if (m === 0 || !values.every((v) => NUMBER.test(v))) return null;
  const nums = values.map(Number);
  const ids = Array.from({ length: m }, (_, i) => i).sort(
    (a, b) => nums[a] - nums[b] || (values[a] < values[b] ? -1 : values[a] > values[b] ? 1 : 0),
  );
  const rank = new Int32Array(m);
  ids.forEach((v, r) => (rank[v] = r));
  const Qc = new Float64Array(m);
  const P = new Float64Array(m + 1);
  let acc = 0;
  for (let r = 0; r < m; r++) {
    acc += share[ids[r]];
    Qc[r] = acc;
    P[r + 1] = P[r] + acc;
  }
  return { rank, Qc, P };
}

/**
 * Each class's ordered distance to the whole dataset. Between two of the class's values its
 * cumulative share C is constant while Qc grows, so Σ |C − Qc[i]| over such a run splits at the first
 * rank where Qc ≥ C (binary search) and prefix sums give each side: O(v log m) per class, as in
 * server/reid/sensitive-metrics.ts, which the release gate uses.
 */
function orderedDistances(o: OrderedTables, p: Pairs, sizes: Float64Array, count: number): Float64Array {
  const m = o.rank.length;
  const out = new Float64Array(count);
  if (m < 2) return out;
  const start = new Int32Array(count + 1);
  for (let i = 0; i < p.length; i++) start[p.cls[i] + 1]++;
  for (let c = 0; c < count; c++) start[c + 1] += start[c];
  const fill = start.slice(0, count);
  const ranks = new Int32Array(p.length);
  const counts = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const j = fill[p.cls[i]]++;
    ranks[j] = o.rank[p.val[i]];
    counts[j] = p.cnt[i];
  }
  const { Qc, P } = o;
  const run = (a: number, b: number, C: number): number => {
    if (a > b) return 0;
    let lo = a;
    let hi = b + 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Qc[mid] >= C) hi = mid;
      else lo = mid + 1;
    }
    return C * (lo - a) - (P[lo] - P[a]) + (P[b + 1] - P[lo]) - C * (b + 1 - lo);
  };
  const order: number[] = [];
  for (let c = 0; c < count; c++) {
    const a = start[c];
    const b = start[c + 1];
    order.length = 0;
    for (let j = a; j < b; j++) order.push(j);
    order.sort((x, y) => ranks[x] - ranks[y]);
    let C = 0;
    let from = 0;
    let total = 0;
    for (const j of order) {
      total += run(from, ranks[j] - 1, C);
      C += counts[j] / sizes[c];
      from = ranks[j];
    }
    total += run(from, m - 2, C); // rank m−1: both cumulative shares are 1
    out[c] = total / (m - 1);
  }
  return out;
}

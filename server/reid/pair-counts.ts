// Counts per (class, value) pair in typed arrays with open addressing: the histograms of classes
// holding several values of a sensitive attribute. A Map per class (the obvious structure) costs
// two hash lookups and an allocation per class, which was the slowest step when classes are
// large; here an update is one probe, and grouping by class for the metrics is one counting sort.

export interface PairsByClass {
  /** Pairs of class c are at indexes offsets[c] .. offsets[c + 1] − 1. */
  offsets: Int32Array;
  values: Int32Array;
  counts: Float64Array;
}

export class PairCounts {
  private classes = new Int32Array(1024);
  private values = new Int32Array(1024);
  private counts = new Float64Array(1024);
  private table = new Int32Array(2048); // pair index + 1, 0 = empty
  private mask = 2047;
  size = 0;

  add(classId: number, valueId: number, count: number): void {
    let slot = pairHash(classId, valueId) & this.mask;
    for (;;) {
      const entry = this.table[slot];
      if (entry === 0) break;
      const i = entry - 1;
      if (this.classes[i] === classId && this.values[i] === valueId) {
        this.counts[i] += count;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    const i = this.size++;
    if (i === this.classes.length) this.grow();
    this.classes[i] = classId;
    this.values[i] = valueId;
    this.counts[i] = count;
    this.table[slot] = i + 1;
    if (this.size * 2 > this.table.length) this.rehash();
  }

  /** All pairs grouped by class id (classes without pairs get an empty range). */
  byClass(classCount: number): PairsByClass {
    const offsets = new Int32Array(classCount + 1);
    for (let i = 0; i < this.size; i++) offsets[this.classes[i] + 1]++;
    for (let c = 0; c < classCount; c++) offsets[c + 1] += offsets[c];
    const next = offsets.slice(0, classCount);
    const values = new Int32Array(this.size);
    const counts = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const at = next[this.classes[i]]++;
      values[at] = this.values[i];
      counts[at] = this.counts[i];
    }
    return { offsets, values, counts };
  }

  private grow(): void {
    const n = this.classes.length * 2;
    const c = new Int32Array(n);
    c.set(this.classes);
    const v = new Int32Array(n);
    v.set(this.values);
    const k = new Float64Array(n);
    k.set(this.counts);
    this.classes = c;
    this.values = v;
    this.counts = k;
  }

  private rehash(): void {
    const slots = this.table.length * 2;
    const table = new Int32Array(slots);
    const mask = slots - 1;
    for (let i = 0; i < this.size; i++) {
      let slot = pairHash(this.classes[i], this.values[i]) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

function pairHash(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) | 0;
}

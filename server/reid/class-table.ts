// The class-count representation every source fills and the metrics engine reads: equivalence
// classes (keyed by their quasi-identifier values) with their sizes and, per sensitive attribute,
// the value histogram inside each class. This is exactly what `GROUP BY qi…, s…` returns, so the
// CSV pass and the Postgres query feed the same structure and the metrics cannot differ.
//
// Keys are the UTF-8 bytes of the QI values joined by a 0x00 byte (Postgres text cannot hold NUL,
// and the CSV source rejects it in quasi-identifiers), so a key decodes back to its values.
import { ByteInterner, hashBytes } from './byte-interner';
import { PairCounts, type PairsByClass } from './pair-counts';

export const KEY_SEPARATOR = 0;

/** Per sensitive attribute: value ids, the whole dataset's histogram, and each class's histogram. */
export class SensitiveHistogram {
  readonly values = new ByteInterner(256);
  /** Records per value id over the whole dataset. */
  global: Float64Array = new Float64Array(64);
  /**
   * Per class: the value id while the class has a single distinct value (the common case when
   * nearly every record is its own class: one typed-array slot), MULTI once it has more; those
   * classes' histograms are (class, value) counts in `pairs`.
   */
  single: Int32Array = new Int32Array(1024);
  private readonly pairs = new PairCounts();
  private grouped: PairsByClass | null = null;

  constructor(readonly name: string) {}

  add(classId: number, classRecordsBefore: number, buf: Uint8Array, start: number, end: number, count: number): void {
    this.addValue(classId, classRecordsBefore, this.values.intern(buf, start, end), count);
  }

  /** add() for a value id this histogram already interned. */
  addValue(classId: number, classRecordsBefore: number, v: number, count: number): void {
    if (v >= this.global.length) this.global = growF64(this.global, v + 1);
    this.global[v] += count;
    if (classId >= this.single.length) this.single = growI32(this.single, classId + 1);
    this.grouped = null;
    if (classRecordsBefore === 0) {
      this.single[classId] = v;
      return;
    }
    const current = this.single[classId];
    if (current === v) return;
    if (current !== MULTI) {
      this.pairs.add(classId, current, classRecordsBefore);
      this.single[classId] = MULTI;
    }
    this.pairs.add(classId, v, count);
  }

  /** The histograms of the classes with several values, grouped by class (computed once). */
  multiValued(classCount: number): PairsByClass {
    return (this.grouped ??= this.pairs.byClass(classCount));
  }
}

export const MULTI = -1;

export class ClassTable {
  readonly keys: ByteInterner;
  sizes: Float64Array;
  records = 0;
  readonly attributes: SensitiveHistogram[];

  constructor(
    readonly quasi: readonly string[],
    readonly sensitive: readonly string[] = [],
    expectedClasses = 4096,
  ) {
    this.keys = new ByteInterner(expectedClasses);
    this.sizes = new Float64Array(expectedClasses);
    this.attributes = sensitive.map((name) => new SensitiveHistogram(name));
  }

  get classCount(): number {
    return this.keys.size;
  }

  /**
   * Step 1 of adding records: the class id of a key. Then call addSensitive for each attribute,
   * then addRecords (sensitive histograms need the class size from before these records).
   */
  classId(buf: Uint8Array, start: number, end: number): number {
    return this.classIdHashed(buf, start, end, hashBytes(buf, start, end));
  }

  /** classId() with hashBytes() of the key already computed. */
  classIdHashed(buf: Uint8Array, start: number, end: number, hash: number): number {
    const id = this.keys.internHashed(buf, start, end, hash);
    if (id >= this.sizes.length) this.sizes = growF64(this.sizes, id + 1);
    return id;
  }

  addSensitive(attribute: number, classId: number, buf: Uint8Array, start: number, end: number, count: number): void {
    this.attributes[attribute].add(classId, this.sizes[classId], buf, start, end, count);
  }

  addRecords(classId: number, count: number): void {
    this.sizes[classId] += count;
    this.records += count;
  }

  /** The QI values of a class, in the order of `quasi`. */
  values(classId: number): string[] {
    return splitKey(this.keys.bytes(classId));
  }
}

export function splitKey(bytes: Uint8Array): string[] {
  const out: string[] = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let start = 0;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === KEY_SEPARATOR) {
      out.push(buf.toString('utf8', start, i));
      start = i + 1;
    }
  }
  return out;
}

/** A reusable UTF-8 byte buffer for building keys from JS strings (Postgres rows, test input). */
export class Utf8Scratch {
  buf: Buffer = Buffer.allocUnsafe(4096);
  length = 0;

  reset(): this {
    this.length = 0;
    return this;
  }

  separator(): void {
    this.ensure(1);
    this.buf[this.length++] = KEY_SEPARATOR;
  }

  append(s: string): void {
    this.ensure(s.length * 3);
    const buf = this.buf;
    let len = this.length;
    // ASCII fast path: most values are, and Buffer.write per short value is a costly native call.
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        len += buf.write(s.slice(i), len, 'utf8');
        break;
      }
      buf[len++] = c;
    }
    this.length = len;
  }

  /** Appends values joined by the key separator. */
  key(values: readonly string[]): this {
    this.reset();
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.separator();
      this.append(values[i]);
    }
    return this;
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + extra));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
}

export function growF64(a: Float64Array, min: number): Float64Array {
  const b = new Float64Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

function growI32(a: Int32Array, min: number): Int32Array {
  const b = new Int32Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

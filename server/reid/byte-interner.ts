// Maps byte strings (a class's quasi-identifier key, a sensitive value) to dense integer ids.
// Why not a Map<string, number>: a million class keys as JS strings plus Map entries cost about
// twice the memory of the raw bytes in a paged arena with an open-addressing table of ids, and
// every lookup would first have to allocate a string. Here a lookup hashes and compares bytes in
// place, so the CSV pass allocates nothing per row.
import { ReidInputError } from './errors';

const PAGE_BITS = 22; // 4 MiB pages: growth never copies the keys already stored
const PAGE_SIZE = 1 << PAGE_BITS;
const MAX_PAGES = 511; // global offsets stay below 2^31

export class ByteInterner {
  private pages: Uint8Array[] = [];
  private page: Uint8Array = new Uint8Array(0);
  private pageUsed = 0;
  private starts: Int32Array; // global offset of each id's bytes
  private lengths: Int32Array;
  private hashes: Int32Array;
  private table: Int32Array; // id + 1, 0 = empty
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    const cap = Math.max(16, expected);
    this.starts = new Int32Array(cap);
    this.lengths = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
    let slots = 32;
    while (slots < cap * 2) slots *= 2;
    this.table = new Int32Array(slots);
    this.mask = slots - 1;
  }

  /** The id of bytes [start, end) of buf, adding them if new. */
  intern(buf: Uint8Array, start: number, end: number): number {
    return this.internHashed(buf, start, end, hashBytes(buf, start, end));
  }

  /** intern() when the caller already computed hashBytes() while copying the bytes. */
  internHashed(buf: Uint8Array, start: number, end: number, h: number): number {
    const len = end - start;
    let slot = h & this.mask;
    for (;;) {
      const entry = this.table[slot];
      if (entry === 0) break;
      const id = entry - 1;
      if (this.hashes[id] === h && this.lengths[id] === len && this.equals(id, buf, start, len)) return id;
      slot = (slot + 1) & this.mask;
    }
    return this.add(buf, start, len, h, slot);
  }

  /** The id of the bytes, or -1 when they were never interned. */
  find(buf: Uint8Array, start: number, end: number): number {
    const h = hashBytes(buf, start, end);
    const len = end - start;
    let slot = h & this.mask;
    for (;;) {
      const entry = this.table[slot];
      if (entry === 0) return -1;
      const id = entry - 1;
      if (this.hashes[id] === h && this.lengths[id] === len && this.equals(id, buf, start, len)) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  /** A view of the stored bytes of an id (valid until nothing: pages are never moved). */
  bytes(id: number): Uint8Array {
    const start = this.starts[id];
    const page = this.pages[start >>> PAGE_BITS];
    const offset = start & (PAGE_SIZE - 1);
    return page.subarray(offset, offset + this.lengths[id]);
  }

  decode(id: number): string {
    const b = this.bytes(id);
    return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
  }

  /** Byte-wise comparison of two ids' bytes: UTF-8 byte order is Unicode code point order. */
  compare(a: number, b: number): number {
    const sa = this.starts[a];
    const sb = this.starts[b];
    const pa = this.pages[sa >>> PAGE_BITS];
    const pb = this.pages[sb >>> PAGE_BITS];
    const oa = sa & (PAGE_SIZE - 1);
    const ob = sb & (PAGE_SIZE - 1);
    const la = this.lengths[a];
    const lb = this.lengths[b];
    const n = la < lb ? la : lb;
    for (let i = 0; i < n; i++) if (pa[oa + i] !== pb[ob + i]) return pa[oa + i] - pb[ob + i];
    return la - lb;
  }

  private equals(id: number, buf: Uint8Array, start: number, len: number): boolean {
    const gs = this.starts[id];
    const page = this.pages[gs >>> PAGE_BITS];
    let o = gs & (PAGE_SIZE - 1);
    for (let i = 0; i < len; i++) if (page[o++] !== buf[start + i]) return false;
    return true;
  }

  private add(buf: Uint8Array, start: number, len: number, h: number, slot: number): number {
    if (len > PAGE_SIZE) throw new ReidInputError('bad_csv', `a key of ${len} bytes is too long to measure`);
    if (this.pages.length === 0 || this.pageUsed + len > this.page.length) {
      if (this.pages.length >= MAX_PAGES)
        throw new ReidInputError('too_large', 'too many distinct values to measure in memory');
      this.page = new Uint8Array(PAGE_SIZE);
      this.pages.push(this.page);
      this.pageUsed = 0;
    }
    const id = this.size++;
    if (id === this.starts.length) this.growIds();
    this.page.set(buf.subarray(start, start + len), this.pageUsed);
    this.starts[id] = ((this.pages.length - 1) << PAGE_BITS) | this.pageUsed;
    this.pageUsed += len;
    this.lengths[id] = len;
    this.hashes[id] = h;
    this.table[slot] = id + 1;
    if (this.size * 2 > this.table.length) this.rehash();
    return id;
  }

  private growIds(): void {
    const cap = this.starts.length * 2;
    this.starts = grow(this.starts, cap);
    this.lengths = grow(this.lengths, cap);
    this.hashes = grow(this.hashes, cap);
  }

  private rehash(): void {
    const slots = this.table.length * 2;
    const table = new Int32Array(slots);
    const mask = slots - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.hashes[id] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

function grow(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

/** FNV-1a, then a final avalanche so linear probing sees well-spread low bits. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
  return finishHash(h);
}

/** hashBytes in steps, for callers that hash while they copy: h = Math.imul(h ^ byte, FNV_PRIME). */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

export function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

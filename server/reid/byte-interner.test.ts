import { describe, expect, it } from 'vitest';
import { ByteInterner, hashBytes } from './byte-interner';

describe('ByteInterner', () => {
  it('gives equal bytes the same id and different bytes different ids, across growth', () => {
    const interner = new ByteInterner(4);
    const ids = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const text = `key-${i % 2500}-ü`;
      const b = Buffer.from(`..${text}..`);
      const id = interner.intern(b, 2, b.length - 2);
      if (ids.has(text)) expect(id).toBe(ids.get(text));
      else ids.set(text, id);
    }
    expect(interner.size).toBe(2500);
    expect(new Set(ids.values()).size).toBe(2500);
    for (const [text, id] of ids) expect(interner.decode(id)).toBe(text);
  });

  it('finds only what was interned, including the empty string', () => {
    const interner = new ByteInterner();
    const empty = interner.intern(Buffer.alloc(0), 0, 0);
    expect(interner.find(Buffer.alloc(0), 0, 0)).toBe(empty);
    expect(interner.decode(empty)).toBe('');
    expect(interner.find(Buffer.from('x'), 0, 1)).toBe(-1);
  });

  it('compares ids by their bytes, which is code point order', () => {
    const interner = new ByteInterner();
    const id = (s: string) => interner.intern(Buffer.from(s), 0, Buffer.byteLength(s));
    expect(interner.compare(id('b'), id('ä'))).toBeLessThan(0);
    expect(interner.compare(id('ab'), id('a'))).toBeGreaterThan(0);
    expect(interner.compare(id('\uFB00'), id('😀'))).toBeLessThan(0);
  });

  it('hashes the same bytes to the same value wherever they sit', () => {
    expect(hashBytes(Buffer.from('xxabc'), 2, 5)).toBe(hashBytes(Buffer.from('abc'), 0, 3));
  });
});

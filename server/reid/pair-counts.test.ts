import { describe, expect, it } from 'vitest';
import { PairCounts } from './pair-counts';

describe('PairCounts', () => {
  it('adds up counts per (class, value) pair and groups them by class', () => {
    const pairs = new PairCounts();
    const expected = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const c = (i * 7) % 301;
      const v = (i * 13) % 17;
      pairs.add(c, v, 2);
      expected.set(`${c}:${v}`, (expected.get(`${c}:${v}`) ?? 0) + 2);
    }
    const { offsets, values, counts } = pairs.byClass(305);
    const seen = new Map<string, number>();
    for (let c = 0; c < 305; c++)
      for (let p = offsets[c]; p < offsets[c + 1]; p++) seen.set(`${c}:${values[p]}`, counts[p]);
    expect(seen).toEqual(expected);
    expect(offsets[305]).toBe(expected.size);
    expect(offsets[303]).toBe(offsets[304]); // classes without pairs have empty ranges
  });
});

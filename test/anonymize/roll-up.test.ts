// The roll-up's hash table starts small and doubles as classes appear: on a dataset with tens of
// thousands of classes, the classes of a node (straight from the records, and rolled up from a
// cached specialization) must be those a string map finds, for int32 and for float64 keys.
import { describe, expect, it } from 'vitest';
import { ADULT_COLUMNS, ADULT_QUASI } from '../../bench/anonymize-generate';
import { Anonymizer } from '../../server/anonymize/engine';
import { adultDataset } from '../fixtures/adult-dataset';

const ROWS = 30_000;
const { data, hierarchies, records } = adultDataset(ROWS, 7);

/** Class sizes by a string key, in order of each class's first record. */
function expected(levels: number[]): number[] {
  const up = ADULT_QUASI.map((q) => new Map(hierarchies[q].rows.map((r) => [r[0], r])));
  const cols = ADULT_QUASI.map((q) => ADULT_COLUMNS.indexOf(q));
  const sizes = new Map<string, number>();
  for (const r of records) {
    const key = cols.map((c, a) => up[a].get(r[c])![levels[a]]).join('\u0001');
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  return [...sizes.values()];
}

describe('class roll-up with a growing table', () => {
  // [0,…]: keys above 2^31 (float64 path); [4,4,3,…]: small radix (int32 path).
  const cases: [string, number[]][] = [
    ['every attribute at level 0 (float64 keys)', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['age and ZIP generalized (float64 keys)', [1, 1, 0, 0, 0, 0, 0, 0]],
    ['most attributes generalized (int32 keys)', [2, 2, 1, 1, 1, 1, 1, 0]],
    ['radix 86,400, under 4 × the records (direct indexing)', [4, 3, 2, 1, 1, 1, 1, 1]],
  ];
  it.each(cases)('%s: the classes a string map finds', (_, levels) => {
    const engine = new Anonymizer(data, hierarchies, { k: 1 });
    const want = expected(levels);
    expect(want.length).toBeGreaterThan(1000);
    const node = engine.nodeOf(levels);
    const { table, classOf } = engine.recordClasses(node);
    expect(table.count).toBe(want.length);
    expect(Array.from(table.sizes)).toEqual(want);
    // Every record's class holds records with its generalized values only.
    const seen = new Map<number, string>();
    for (let r = 0; r < ROWS; r++) {
      const key = levels.map((L, a) => engine.label(a, L, r)).join('\u0001');
      const prev = seen.get(classOf[r]);
      if (prev === undefined) seen.set(classOf[r], key);
      else expect(prev).toBe(key);
    }
    // Rolled up through the lattice search's path (bottom, then the node) the same classes come out.
    const rolled = engine.classes(node)!;
    expect(rolled.count).toBe(want.length);
    expect([...rolled.sizes].sort((a, b) => a - b)).toEqual([...want].sort((a, b) => a - b));
  });
});

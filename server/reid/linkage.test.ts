import { describe, expect, it } from 'vitest';
import { classTableFromList } from './metrics';
import { simulateLinkage } from './linkage';

const table = (classes: [string[], number][]) =>
  classTableFromList({ quasi: ['zip', 'birth'], classes: classes.map(([values, size]) => ({ values, size })) })[0];

describe('simulateLinkage', () => {
  it('counts auxiliary records that match exactly one dataset record', () => {
    const dataset = table([
      [['8001', '1980'], 1],
      [['8002', '1990'], 3],
      [['8003', ''], 1],
    ]);
    const register = table([
      [['8001', '1980'], 2],
      [['8002', '1990'], 1],
      [['9999', '1970'], 1],
      [['8003', ''], 1],
    ]);
    expect(simulateLinkage(dataset, register, ['zip', 'birth'])).toEqual({
      on: ['zip', 'birth'],
      auxiliaryRecords: 5,
      uniqueMatches: 3, // both register entries for (8001, 1980) point at the one dataset record, and (8003, '')
      multipleMatches: 1,
      noMatch: 1,
      share: 0.6,
    });
  });

  it('matches values exactly, byte for byte', () => {
    const dataset = table([[['Zürich', '1980'], 1]]);
    expect(simulateLinkage(dataset, table([[['Zurich', '1980'], 1]]), ['zip', 'birth']).uniqueMatches).toBe(0);
    expect(simulateLinkage(dataset, table([[['Zürich', '1980'], 1]]), ['zip', 'birth']).uniqueMatches).toBe(1);
  });

  it('reports a zero share for an empty auxiliary table', () => {
    expect(simulateLinkage(table([[['a', 'b'], 1]]), table([]), ['zip', 'birth']).share).toBe(0);
  });
});

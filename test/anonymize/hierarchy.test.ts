import { describe, expect, it } from 'vitest';
import { buildHierarchy, hierarchyToCsv, parseHierarchyCsv, parseRule } from '../../server/reid/hierarchy';

describe('generalization hierarchies', () => {
  it("reads ARX's CSV format (value; levels…; *) and writes it back", () => {
    const text = '\uFEFF47677;4767*;476**;*\n47602;4760*;476**;*\n47678;4767*;476**;*\n';
    const h = parseHierarchyCsv('zip', text);
    expect(h.rows).toEqual([
      ['47677', '4767*', '476**', '*'],
      ['47602', '4760*', '476**', '*'],
      ['47678', '4767*', '476**', '*'],
    ]);
    expect(parseHierarchyCsv('zip', hierarchyToCsv(h)).rows).toEqual(h.rows);
  });

  it('rejects ragged rows, repeated values and a value that generalizes two ways', () => {
    expect(() => parseHierarchyCsv('x', 'a;b;*\nc;*\n')).toThrow(/row 2 has 2 levels, row 1 has 3/);
    expect(() => parseHierarchyCsv('x', 'a;b;*\na;b;*\n')).toThrow(/lists the value "a" twice/);
    expect(() => parseHierarchyCsv('x', 'a;g;h1;*\nb;g;h2;*\n')).toThrow(
      /"g" generalizes to both "h1" and "h2" at level 2/,
    );
  });

  it('builds intervals, masks and date truncations from rules, each ending in *', () => {
    expect(buildHierarchy('age', ['42', '17'], { kind: 'interval', widths: [5, 10, 20] }).rows).toEqual([
      ['17', '[15-20)', '[10-20)', '[0-20)', '*'],
      ['42', '[40-45)', '[40-50)', '[40-60)', '*'],
    ]);
    expect(buildHierarchy('zip', ['8001'], { kind: 'mask', digits: [1, 3] }).rows).toEqual([
      ['8001', '800*', '8***', '*'],
    ]);
    expect(buildHierarchy('born', ['1984-07-12'], { kind: 'date', steps: ['month', 'year', 'decade'] }).rows).toEqual([
      ['1984-07-12', '1984-07', '1984', '1980s', '*'],
    ]);
    expect(() => buildHierarchy('age', ['x'], { kind: 'interval', widths: [5] })).toThrow(/"x" is not a number/);
    expect(() => buildHierarchy('age', ['1'], { kind: 'interval', widths: [5, 7] })).toThrow(
      /multiple of the one before/,
    );
  });

  it('parses the CLI rule syntax', () => {
    expect(parseRule('interval:5,10')).toEqual({ kind: 'interval', widths: [5, 10] });
    expect(parseRule('mask:1,2,3')).toEqual({ kind: 'mask', digits: [1, 2, 3] });
    expect(parseRule('date:month,year')).toEqual({ kind: 'date', steps: ['month', 'year'] });
    expect(() => parseRule('round:5')).toThrow(/unknown hierarchy rule/);
    expect(() => parseRule('mask:a')).toThrow(/positive whole numbers/);
  });
});

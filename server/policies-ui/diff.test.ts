import { describe, expect, it } from 'vitest';
import { diffBundles, diffLines, sideBySide, splitLines, type LineOp } from './diff';

const kinds = (ops: LineOp[]) => ops.map((o) => `${o.kind === 'same' ? ' ' : o.kind === 'del' ? '-' : '+'}${o.text}`);

describe('splitLines', () => {
  it('drops the empty line after a final newline and keeps inner empty lines', () => {
    expect(splitLines('a\n\nb\n')).toEqual(['a', '', 'b']);
    expect(splitLines('a')).toEqual(['a']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('diffLines', () => {
  it('reports nothing but unchanged lines for equal inputs', () => {
    expect(kinds(diffLines(['a', 'b'], ['a', 'b']))).toEqual([' a', ' b']);
  });

  it('finds a longest common subsequence, removals before additions in each change', () => {
    expect(kinds(diffLines(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e']))).toEqual([
      ' a',
      '-b',
      '+x',
      ' c',
      ' d',
      '+e',
    ]);
    expect(kinds(diffLines(['x', 'a', 'b'], ['a', 'b', 'y']))).toEqual(['-x', ' a', ' b', '+y']);
  });

  it('numbers lines on each side, 1-based', () => {
    const ops = diffLines(['a', 'b', 'c'], ['a', 'c', 'z']);
    expect(ops).toEqual([
      { kind: 'same', oldNo: 1, newNo: 1, text: 'a' },
      { kind: 'del', oldNo: 2, text: 'b' },
      { kind: 'same', oldNo: 3, newNo: 2, text: 'c' },
      { kind: 'add', newNo: 3, text: 'z' },
    ]);
  });

  it('handles an empty side', () => {
    expect(kinds(diffLines([], ['a']))).toEqual(['+a']);
    expect(kinds(diffLines(['a'], []))).toEqual(['-a']);
  });

  it('keeps the edit script minimal on a shuffled input', () => {
    const ops = diffLines(['1', '2', '3', '4', '5', '6'], ['2', '1', '3', '5', '4', '6']);
    expect(ops.filter((o) => o.kind === 'same')).toHaveLength(4);
  });
});

describe('sideBySide', () => {
  it('pairs a removed line with the added line that replaces it and folds far-away unchanged lines', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const b = [...a];
    b[9] = 'changed 10';
    const rows = sideBySide(diffLines(a, b), 2);
    expect(rows[0]).toEqual({ kind: 'skip', count: 7, left: null, right: null });
    expect(rows.filter((r) => r.kind === 'same')).toHaveLength(4);
    expect(rows.find((r) => r.kind === 'change')).toEqual({
      kind: 'change',
      left: { no: 10, text: 'line 10' },
      right: { no: 10, text: 'changed 10' },
    });
    expect(rows[rows.length - 1]).toEqual({ kind: 'skip', count: 8, left: null, right: null });
  });

  it('leaves one side empty where a run of removals is longer than its additions', () => {
    const rows = sideBySide(diffLines(['a', 'b', 'c'], ['x']));
    expect(rows.map((r) => r.kind)).toEqual(['change', 'del', 'del']);
  });
});

describe('diffBundles', () => {
  it('shows added and removed files whole, changed files as rows and unchanged ones without rows', () => {
    const files = diffBundles(
      [
        { path: 'access.yaml', content: 'a: 1\nb: 2\n' },
        { path: 'gone.yaml', content: 'x\ny\n' },
        { path: 'same.yaml', content: 'same\n' },
      ],
      [
        { path: 'access.yaml', content: 'a: 1\nb: 3\n' },
        { path: 'new.yaml', content: 'n\n' },
        { path: 'same.yaml', content: 'same\n' },
      ],
    );
    expect(files.map((f) => [f.path, f.status, f.added, f.removed])).toEqual([
      ['access.yaml', 'changed', 1, 1],
      ['gone.yaml', 'removed', 0, 2],
      ['new.yaml', 'added', 1, 0],
      ['same.yaml', 'unchanged', 0, 0],
    ]);
    expect(files[1].rows.map((r) => r.left?.text)).toEqual(['x', 'y']);
    expect(files[2].rows).toEqual([{ kind: 'add', left: null, right: { no: 1, text: 'n' } }]);
  });
});

// Line diffs between two stored versions of the policy bundle, for the side-by-side view: a longest
// common subsequence per file, then rows pairing removed lines with the added lines that replace them,
// with long unchanged stretches folded away.
import type { BundleFile } from '../policies/types';

export type LineOp =
  | { kind: 'same'; oldNo: number; newNo: number; text: string }
  | { kind: 'del'; oldNo: number; text: string }
  | { kind: 'add'; newNo: number; text: string };

export interface Side {
  no: number;
  text: string;
}

export type DiffRow =
  | { kind: 'same' | 'change' | 'del' | 'add'; left: Side | null; right: Side | null }
  /** Unchanged lines folded away: `count` of them. */
  | { kind: 'skip'; count: number; left: null; right: null };

export interface FileDiff {
  path: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  added: number;
  removed: number;
  rows: DiffRow[];
}

/**
 * Beyond this many cells (changed lines before × after, once the common head and tail are cut) the
 * middle is shown as all removed then all added rather than spending memory on the LCS table.
 */
const MAX_LCS_CELLS = 4_000_000;

export function splitLines(content: string): string[] {
  if (content === '') return [];
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The edit script turning `a` into `b`: every line of both, in order, as same/del/add. */
export function diffLines(a: string[], b: string[]): LineOp[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const ops: LineOp[] = [];
  for (let i = 0; i < head; i++) ops.push({ kind: 'same', oldNo: i + 1, newNo: i + 1, text: a[i] });
  ops.push(...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail), head));
  for (let k = tail; k > 0; k--) {
    const i = a.length - k;
    const j = b.length - k;
    ops.push({ kind: 'same', oldNo: i + 1, newNo: j + 1, text: a[i] });
  }
  return ops;
}

function middle(a: string[], b: string[], offset: number): LineOp[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_LCS_CELLS) {
    return [
      ...a.map((text, i) => ({ kind: 'del' as const, oldNo: offset + i + 1, text })),
      ...b.map((text, j) => ({ kind: 'add' as const, newNo: offset + j + 1, text })),
    ];
  }
  // lcs[i * (m + 1) + j]: length of the LCS of a[i..] and b[j..].
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
    }
  }
  const ops: LineOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: 'same', oldNo: offset + i + 1, newNo: offset + j + 1, text: a[i] });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i * (m + 1) + j + 1] >= lcs[(i + 1) * (m + 1) + j])) {
      ops.push({ kind: 'add', newNo: offset + j + 1, text: b[j] });
      j++;
    } else {
      ops.push({ kind: 'del', oldNo: offset + i + 1, text: a[i] });
      i++;
    }
  }
  return regroup(ops);
}

/** Within each run of changes, removals first then additions, so they pair up side by side. */
function regroup(ops: LineOp[]): LineOp[] {
  const out: LineOp[] = [];
  let dels: LineOp[] = [];
  let adds: LineOp[] = [];
  const flush = () => {
    out.push(...dels, ...adds);
    dels = [];
    adds = [];
  };
  for (const op of ops) {
    if (op.kind === 'del') dels.push(op);
    else if (op.kind === 'add') adds.push(op);
    else {
      flush();
      out.push(op);
    }
  }
  flush();
  return out;
}

/** Side-by-side rows: a removal and the addition beside it share a row; `context` unchanged lines are kept around changes. */
export function sideBySide(ops: LineOp[], context = 3): DiffRow[] {
  const rows: DiffRow[] = [];
  for (let k = 0; k < ops.length;) {
    const op = ops[k];
    if (op.kind === 'same') {
      rows.push({ kind: 'same', left: { no: op.oldNo, text: op.text }, right: { no: op.newNo, text: op.text } });
      k++;
      continue;
    }
    const dels: Side[] = [];
    const adds: Side[] = [];
    while (k < ops.length && ops[k].kind === 'del') {
      const d = ops[k++] as Extract<LineOp, { kind: 'del' }>;
      dels.push({ no: d.oldNo, text: d.text });
    }
    while (k < ops.length && ops[k].kind === 'add') {
      const a = ops[k++] as Extract<LineOp, { kind: 'add' }>;
      adds.push({ no: a.newNo, text: a.text });
    }
    for (let r = 0; r < Math.max(dels.length, adds.length); r++) {
      const left = dels[r] ?? null;
      const right = adds[r] ?? null;
      rows.push({ kind: left && right ? 'change' : left ? 'del' : 'add', left, right });
    }
  }
  return fold(rows, context);
}

function fold(rows: DiffRow[], context: number): DiffRow[] {
  const changed = rows.map((r) => r.kind !== 'same');
  const near = (i: number) => {
    for (let d = -context; d <= context; d++) if (changed[i + d]) return true;
    return false;
  };
  const out: DiffRow[] = [];
  let skipped = 0;
  rows.forEach((row, i) => {
    if (row.kind !== 'same' || near(i)) {
      if (skipped) out.push({ kind: 'skip', count: skipped, left: null, right: null });
      skipped = 0;
      out.push(row);
    } else skipped++;
  });
  if (skipped) out.push({ kind: 'skip', count: skipped, left: null, right: null });
  return out;
}

/** Every file of either version, by path: added and removed files whole, changed ones as folded rows. */
export function diffBundles(from: BundleFile[], to: BundleFile[], context = 3): FileDiff[] {
  const before = new Map(from.map((f) => [f.path, f.content]));
  const after = new Map(to.map((f) => [f.path, f.content]));
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.map((path): FileDiff => {
    const a = before.get(path);
    const b = after.get(path);
    if (a === undefined) {
      const lines = splitLines(b!);
      return {
        path,
        status: 'added',
        added: lines.length,
        removed: 0,
        rows: lines.map((text, i) => ({ kind: 'add', left: null, right: { no: i + 1, text } })),
      };
    }
    if (b === undefined) {
      const lines = splitLines(a);
      return {
        path,
        status: 'removed',
        added: 0,
        removed: lines.length,
        rows: lines.map((text, i) => ({ kind: 'del', left: { no: i + 1, text }, right: null })),
      };
    }
    if (a === b) return { path, status: 'unchanged', added: 0, removed: 0, rows: [] };
    const ops = diffLines(splitLines(a), splitLines(b));
    return {
      path,
      status: 'changed',
      added: ops.filter((o) => o.kind === 'add').length,
      removed: ops.filter((o) => o.kind === 'del').length,
      rows: sideBySide(ops, context),
    };
  });
}

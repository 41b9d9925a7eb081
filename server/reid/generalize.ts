// Risky classes without the values that make them risky. A class smaller than the policy's k (or whose
// risk 1/f is above the risk threshold) is listed with its quasi-identifiers generalized: a date to its
// year (then its decade), a postal code to its first digits, a number to a range, anything else to `*`.
// Every column climbs the ladder together, one step at a time, until the displayed combination matches
// at least k records of the dataset; when no step does, every value is `*`. The dataset has no
// generalization hierarchies of its own (the data map has none), so these masks are the hierarchy.
//
// Matching: a record matches a displayed combination when, for every column, the displayed value is
// `*` or the record's value generalized the same way equals it. `records` is that count, exactly.
import { KEY_SEPARATOR, type ClassTable } from './class-table';
import { decadeLabel, intervalLabel, maskTrailing } from './hierarchy';
import { maskIdentifiersInText } from './leak-detectors';
import type { RiskyClass } from './types';

export const SUPPRESSED = '*';

export type ColumnKind = 'date' | 'postal' | 'number' | 'category';

const DATE = /^(\d{4})-\d{2}-\d{2}(?:[ T].*)?$/;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const POSTAL_NAME = /post|zip|plz|postcode|postal/i;

export interface GeneralizeOptions {
  /** The policy's k: classes smaller than this are generalized, and so is every shown combination until it covers k records. */
  k: number;
  /** The risk threshold t: classes with 1/f > t are generalized too. */
  riskThreshold: number;
}

let enabled = true;
/** Only the artefact-scan test switches generalization off, to show the scan catches the leak. */
export function setGeneralizationForTest(on: boolean): void {
  enabled = on;
}
export const generalizationEnabled = () => enabled;

export const isRisky = (size: number, o: GeneralizeOptions) => size < o.k || 1 / size > o.riskThreshold;

/** A column's kind, from its name and the values to be shown (the same function then applies to every record). */
export function columnKind(name: string, values: readonly string[]): ColumnKind {
  const present = values.filter((v) => v !== '');
  if (present.length > 0 && present.every((v) => DATE.test(v))) return 'date';
  if (POSTAL_NAME.test(name)) return 'postal';
  if (present.length > 0 && present.every((v) => NUMBER.test(v))) return 'number';
  return 'category';
}

/** The number of steps before a kind's values are all `*` (that step included). */
export function ladderLength(kind: ColumnKind, values: readonly string[]): number {
  if (kind === 'date') return 3; // year, decade, *
  if (kind === 'number') return 3; // range of 10, range of 50, *
  if (kind === 'postal') return Math.max(1, ...values.map((v) => v.length)); // drop one more character each step
  return 1;
}

/** A value generalized `step` steps (step ≥ 1; 0 is the raw value). `''` stays `''` until the last step. */
export function generalizeValue(kind: ColumnKind, value: string, step: number, steps: number): string {
  if (step <= 0) return value;
  if (step >= steps) return SUPPRESSED;
  if (value === '') return '';
  // The generalizers of hierarchy.ts (the one owner of generalization), with the pages' range labels.
  if (kind === 'date') {
    const m = DATE.exec(value);
    if (!m) return SUPPRESSED;
    return step === 1 ? m[1] : decadeLabel(m[1], 'range');
  }
  if (kind === 'number') {
    if (!NUMBER.test(value)) return SUPPRESSED;
    return intervalLabel(Number(value), step === 1 ? 10 : 50, 'range');
  }
  if (kind === 'postal') return step >= value.length ? SUPPRESSED : maskTrailing(value, step);
  return SUPPRESSED;
}

/**
 * The listed classes as they may be shown: risky ones generalized until their combination covers k
 * records, the others with their values (direct identifiers masked).
 */
export function displayClasses(table: ClassTable, classIds: readonly number[], o: GeneralizeOptions): RiskyClass[] {
  const raw = classIds.map((cid) => table.values(cid));
  const risky = classIds.map((cid) => isRisky(table.sizes[cid], o));
  const riskyValues = (j: number) => raw.filter((_, i) => risky[i]).map((v) => v[j]);
  const kinds = table.quasi.map((name, j) => columnKind(name, riskyValues(j)));
  const steps = kinds.map((kind, j) => ladderLength(kind, riskyValues(j)));
  const maxStep = Math.max(...steps);

  const out: (RiskyClass | null)[] = classIds.map((cid, i) =>
    risky[i]
      ? null
      : {
          values: named(table, raw[i].map(maskIdentifiersInText)),
          size: table.sizes[cid],
          risk: 1 / table.sizes[cid],
          records: table.sizes[cid],
          generalized: false,
        },
  );
  const pending = new Set(classIds.map((_, i) => i).filter((i) => risky[i]));
  // Step 1 is the least generalized: the columns not `*` there are all a later step can need.
  const needed = kinds.map((_, j) => pending.size > 0 && steps[j] > 1);
  const index = pending.size > 0 ? new ColumnIndex(table, needed) : undefined;
  for (let step = 1; step <= maxStep && pending.size > 0; step++) {
    const shown = new Map<number, string[]>();
    for (const i of pending)
      shown.set(
        i,
        raw[i].map((v, j) => generalizeValue(kinds[j], v, Math.min(step, steps[j]), steps[j])),
      );
    const counts = countMatches(table, [...shown.values()], kinds, steps, step, index);
    [...shown.entries()].forEach(([i, values], n) => {
      if (counts[n] < o.k && step < maxStep) return;
      // The last step is every column `*`: it matches the whole dataset, which may still be below k.
      const size = table.sizes[classIds[i]];
      out[i] = { values: named(table, values), size, risk: 1 / size, records: counts[n], generalized: true };
      pending.delete(i);
    });
  }
  return out as RiskyClass[];
}

function named(table: ClassTable, values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  table.quasi.forEach((name, j) => (out[name] = values[j]));
  return out;
}

/**
 * The values of the columns that need matching, decoded once: per column, each class's value id and
 * the distinct values. A step then compares integers only (one pass per step over the classes).
 */
export class ColumnIndex {
  readonly ids: (Int32Array | null)[];
  readonly values: string[][];

  constructor(table: ClassTable, needed: readonly boolean[]) {
    const K = table.classCount;
    this.ids = needed.map((n) => (n ? new Int32Array(K) : null));
    this.values = needed.map(() => []);
    // Values of up to 6 bytes (most QI values: ages, postal codes, dates' parts) are looked up by
    // their bytes packed into a number, so no string is made for a value already seen.
    const packedMaps = needed.map(() => new Map<number, number>());
    const stringMaps = needed.map(() => new Map<string, number>());
    const last = needed.lastIndexOf(true);
    if (last < 0) return;
    const decoder = new TextDecoder();
    for (let cid = 0; cid < K; cid++) {
      const bytes = table.keys.bytes(cid);
      const n = bytes.length;
      let column = 0;
      let start = 0;
      let packed = 0;
      for (let i = 0; i <= n && column <= last; i++) {
        const b = i < n ? bytes[i] : KEY_SEPARATOR;
        if (b !== KEY_SEPARATOR) {
          if (i - start < 6) packed = packed * 256 + b;
          continue;
        }
        if (needed[column]) {
          const len = i - start;
          const short = len <= 6;
          const key = packed + len * 2 ** 48;
          let id = short ? packedMaps[column].get(key) : undefined;
          if (id === undefined) {
            const v = decoder.decode(bytes.subarray(start, i));
            id = stringMaps[column].get(v);
            if (id === undefined) {
              id = this.values[column].length;
              stringMaps[column].set(v, id);
              this.values[column].push(v);
            }
            if (short) packedMaps[column].set(key, id);
          }
          this.ids[column]![cid] = id;
        }
        column++;
        start = i + 1;
        packed = 0;
      }
    }
  }
}

/** Records matching each displayed combination at `step`, in one pass over the classes. */
export function countMatches(
  table: ClassTable,
  shown: string[][],
  kinds: ColumnKind[],
  steps: number[],
  step: number,
  index?: ColumnIndex,
): number[] {
  const q = kinds.length;
  // Columns every combination suppresses need not be decoded or compared.
  const needed = kinds.map((_, j) => shown.some((values) => values[j] !== SUPPRESSED));
  const columns = index && needed.every((n, j) => !n || index.ids[j]) ? index : new ColumnIndex(table, needed);
  const cols: number[] = [];
  const gen: Int32Array[] = [];
  const ids: Int32Array[] = [];
  const wanted: number[][] = shown.map(() => []);
  for (let j = 0; j < q; j++) {
    if (!needed[j]) continue;
    // Each distinct raw value's generalized value at this step, as a small integer.
    const names = new Map<string, number>();
    const level = Math.min(step, steps[j]);
    const g = new Int32Array(columns.values[j].length);
    columns.values[j].forEach((v, id) => {
      const out = generalizeValue(kinds[j], v, level, steps[j]);
      let gid = names.get(out);
      if (gid === undefined) names.set(out, (gid = names.size));
      g[id] = gid;
    });
    cols.push(j);
    gen.push(g);
    ids.push(columns.ids[j]!);
    // -1: any value (`*`); -2: a value no record generalizes to (matches nothing).
    shown.forEach((values, n) => wanted[n].push(values[j] === SUPPRESSED ? -1 : (names.get(values[j]) ?? -2)));
  }
  const counts = shown.map(() => 0);
  const c = cols.length;
  for (let cid = 0; cid < table.classCount; cid++) {
    for (let n = 0; n < wanted.length; n++) {
      const w = wanted[n];
      let ok = true;
      for (let x = 0; x < c; x++) {
        if (w[x] !== -1 && w[x] !== gen[x][ids[x][cid]]) {
          ok = false;
          break;
        }
      }
      if (ok) counts[n] += table.sizes[cid];
    }
  }
  return counts;
}

/**
 * What may be shown of a listed class: as stored when it was listed for a policy; a class stored
 * before generalization existed (no `generalized` flag) shows `*` for every value when it is risky.
 */
export function shownClass(c: RiskyClass, o: GeneralizeOptions): RiskyClass {
  if (c.generalized !== undefined || !isRisky(c.size, o)) return c;
  return {
    values: Object.fromEntries(Object.keys(c.values).map((q) => [q, SUPPRESSED])),
    size: c.size,
    risk: 1 / c.size,
    generalized: true,
  };
}

/** The riskiest classes of an outcome as pages, PDFs and API answers show them. */
export function shownClasses(o: {
  riskiestClasses: RiskyClass[];
  policy: { thresholds: { k: number; riskThreshold: number } };
}): RiskyClass[] {
  const { k, riskThreshold } = o.policy.thresholds;
  return o.riskiestClasses.map((c) => shownClass(c, { k, riskThreshold }));
}

// Generalization hierarchies, the one module that owns them: ARX's CSV format (one row per value,
// the value first, then each level up to the most general one, usually `*`; `;`-separated), checks,
// rules that build them (intervals for numbers, trailing-character masking for codes such as ZIP,
// truncation for ISO dates), and the value generalizers those rules are made of. The anonymization
// engine (server/anonymize) searches over these hierarchies; the display of risky classes
// (generalize.ts) climbs a ladder of the same generalizers with its own labels (`30–39`, `1980–1989`).
// An engine file: it imports no area.
import { parse } from 'csv-parse/sync';
import { ReidInputError } from './errors';

/** A hierarchy that cannot be used as given (bad file, rule or value): CLI exit 1, HTTP 422. */
const bad = (message: string) => new ReidInputError('bad_hierarchy', message);

// ------------------------------------------------------------------ value generalizers

/** How generalized values are labelled: ARX's (`[40-45)`, `1980s`) or the reid pages' ranges (`40–44`, `1980–1989`). */
export type LabelStyle = 'arx' | 'range';

/** The interval of `width` holding x: half-open `[low-high)` (ARX) or the closed range `low–high−1`. */
export function intervalLabel(x: number, width: number, style: LabelStyle = 'arx'): string {
  const low = Math.floor(x / width) * width;
  return style === 'arx' ? `[${low}-${low + width})` : `${low}–${low + width - 1}`;
}

/** A code with its last `count` characters replaced by `*` (all of them when it is that short). */
export function maskTrailing(value: string, count: number): string {
  const keep = Math.max(0, value.length - count);
  return value.slice(0, keep) + '*'.repeat(value.length - keep);
}

/** The decade of a four-digit year: `1980s` (ARX) or `1980–1989`. */
export function decadeLabel(year: string, style: LabelStyle = 'arx'): string {
  const start = year.slice(0, 3);
  return style === 'arx' ? `${start}0s` : `${start}0–${start}9`;
}

export interface Hierarchy {
  attribute: string;
  /** rows[i] = [value, level 1, …, level h−1]; every row has the same length h (the level count). */
  rows: string[][];
}

export function levelCount(h: Hierarchy): number {
  return h.rows[0]?.length ?? 1;
}

/** Parses ARX's hierarchy CSV (`;` by default, no header) and checks it is a proper hierarchy. */
export function parseHierarchyCsv(attribute: string, text: string, delimiter = ';'): Hierarchy {
  let rows: string[][];
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (e) {
    throw bad(`the hierarchy of ${attribute} is not valid CSV: ${(e as Error).message}`);
  }
  return checkHierarchy({ attribute, rows });
}

/**
 * A hierarchy must have rows of equal length, each value once, and be functional: two values that
 * share a generalization at level i share it at every level above (ARX rejects it otherwise, and
 * full-domain generalization would not merge classes consistently).
 */
export function checkHierarchy(h: Hierarchy): Hierarchy {
  if (h.rows.length === 0) throw bad(`the hierarchy of ${h.attribute} is empty`);
  const width = h.rows[0].length;
  const seen = new Set<string>();
  const parent: Map<string, string>[] = Array.from({ length: width }, () => new Map());
  h.rows.forEach((row, i) => {
    if (row.length !== width) {
      throw bad(`the hierarchy of ${h.attribute}: row ${i + 1} has ${row.length} levels, row 1 has ${width}`);
    }
    if (seen.has(row[0])) throw bad(`the hierarchy of ${h.attribute} lists the value "${row[0]}" twice`);
    seen.add(row[0]);
    for (let l = 1; l < width; l++) {
      // The node at level l−1 is identified by its path from the top, as the label alone may repeat.
      const key = `${l - 1}\u0000${row[l - 1]}`;
      const known = parent[l].get(key);
      if (known === undefined) parent[l].set(key, row[l]);
      else if (known !== row[l] && l > 1) {
        throw bad(
          `the hierarchy of ${h.attribute} is inconsistent: "${row[l - 1]}" generalizes to both "${known}" and "${row[l]}" at level ${l}`,
        );
      }
    }
  });
  return h;
}

/** Renders a hierarchy as ARX's CSV (`;`, fields quoted when needed). */
export function hierarchyToCsv(h: Hierarchy, delimiter = ';'): string {
  const quote = (s: string) => (/[";\r\n]/.test(s) || s.includes(delimiter) ? `"${s.replace(/"/g, '""')}"` : s);
  return h.rows.map((r) => r.map(quote).join(delimiter)).join('\n') + '\n';
}

// ------------------------------------------------------------------ rules

export type HierarchyRule =
  /** Numbers: intervals of each width in turn (e.g. [5, 10, 20] → [40-45), [40-50), [40-60)), then `*`. */
  | { kind: 'interval'; widths: number[] }
  /** Codes: mask this many trailing characters per level (e.g. [1, 2, 3] → 1234*, 123**, 12***), then `*`. */
  | { kind: 'mask'; digits: number[] }
  /** ISO dates (YYYY-MM-DD…): month, then year, then decade as asked, then `*`. */
  | { kind: 'date'; steps: ('month' | 'year' | 'decade')[] };

/** Builds a hierarchy for the values of an attribute from a rule. */
export function buildHierarchy(attribute: string, values: Iterable<string>, rule: HierarchyRule): Hierarchy {
  const distinct = [...new Set(values)].sort();
  const rows = distinct.map((v) => [v, ...levels(attribute, v, rule), '*']);
  return checkHierarchy({ attribute, rows });
}

function levels(attribute: string, v: string, rule: HierarchyRule): string[] {
  switch (rule.kind) {
    case 'interval': {
      const x = Number(v);
      if (v.trim() === '' || !Number.isFinite(x))
        throw bad(`${attribute}: "${v}" is not a number, an interval rule needs numbers`);
      let previous = 0;
      return rule.widths.map((w) => {
        if (!(w > 0) || (previous && w % previous !== 0)) {
          throw bad(`${attribute}: interval widths must be positive and each a multiple of the one before`);
        }
        previous = w;
        return intervalLabel(x, w);
      });
    }
    case 'mask': {
      let previous = 0;
      return rule.digits.map((d) => {
        if (!(d > previous)) throw bad(`${attribute}: masked digits must grow from level to level`);
        previous = d;
        return maskTrailing(v, d);
      });
    }
    case 'date': {
      const m = /^(\d{4})-(\d{2})/.exec(v);
      if (!m) throw bad(`${attribute}: "${v}" is not an ISO date (YYYY-MM-DD), a date rule needs them`);
      return rule.steps.map((s) => (s === 'month' ? `${m[1]}-${m[2]}` : s === 'year' ? m[1] : decadeLabel(m[1])));
    }
  }
}

/** "interval:5,10,20", "mask:1,2,3", "date:month,year" → a rule (the CLI's --rule a=…). */
export function parseRule(text: string): HierarchyRule {
  const [kind, list = ''] = text.split(':', 2);
  const parts = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (kind === 'interval' || kind === 'mask') {
    const nums = parts.map(Number);
    if (nums.length === 0 || nums.some((n) => !Number.isInteger(n) || n <= 0)) {
      throw bad(`a ${kind} rule needs positive whole numbers, e.g. ${kind}:${kind === 'mask' ? '1,2,3' : '5,10,20'}`);
    }
    return kind === 'interval' ? { kind, widths: nums } : { kind, digits: nums };
  }
  if (kind === 'date') {
    if (parts.length === 0 || parts.some((p) => p !== 'month' && p !== 'year' && p !== 'decade')) {
      throw bad('a date rule lists month, year and/or decade, e.g. date:month,year');
    }
    return { kind, steps: parts as ('month' | 'year' | 'decade')[] };
  }
  throw bad(`unknown hierarchy rule "${kind}": use interval:…, mask:… or date:…`);
}

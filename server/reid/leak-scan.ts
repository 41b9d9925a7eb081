// Counts direct identifiers per column and detector while a source streams past, keeping only
// counts and a few masked examples. A count is the number of cells (records) holding at least one
// identifier of that kind: "how many records leak", whatever the number of matches in a text.
// Examples are the smallest masked forms in code point order, so which ones are shown does not
// depend on the order rows arrive in (CSV file order, Postgres group order).
import {
  DETECTOR_NAMES,
  detectIdentifiers,
  maskIdentifier,
  mightContainIdentifier,
  mightContainIdentifierBytes,
} from './leak-detectors';
import type { DetectorName, IdentifierLeak } from './types';

interface Tally {
  count: number;
  examples: string[];
}

export class LeakScanner {
  private readonly tallies: Map<DetectorName, Tally>[];

  constructor(
    readonly columns: readonly string[],
    private readonly maxExamples = 3,
  ) {
    this.tallies = columns.map(() => new Map());
  }

  /** For the CSV pass: the bytes of an (unescaped) cell, decoded only when they might hold an identifier. */
  scanBytes(column: number, buf: Buffer, start: number, end: number): void {
    if (mightContainIdentifierBytes(buf, start, end)) this.scanCandidate(column, buf.toString('utf8', start, end), 1);
  }

  /** `count` cells of `column` hold `text` (a Postgres group, or one CSV cell). */
  scanText(column: number, text: string, count = 1): void {
    if (mightContainIdentifier(text)) this.scanCandidate(column, text, count);
  }

  private scanCandidate(column: number, text: string, count: number): void {
    const found = detectIdentifiers(text);
    if (found.length === 0) return;
    const counted = new Set<DetectorName>();
    for (const d of found) {
      let tally = this.tallies[column].get(d.detector);
      if (!tally) this.tallies[column].set(d.detector, (tally = { count: 0, examples: [] }));
      if (!counted.has(d.detector)) {
        tally.count += count;
        counted.add(d.detector);
      }
      this.keepExample(tally, maskIdentifier(d.detector, d.text));
    }
  }

  private keepExample(tally: Tally, masked: string): void {
    const ex = tally.examples;
    if (ex.includes(masked)) return;
    if (ex.length === this.maxExamples && codePointCompare(masked, ex[ex.length - 1]) >= 0) return;
    ex.push(masked);
    ex.sort(codePointCompare);
    if (ex.length > this.maxExamples) ex.pop();
  }

  /** Leaks in column order, then detector order; columns without identifiers are left out. */
  results(): IdentifierLeak[] {
    const out: IdentifierLeak[] = [];
    this.columns.forEach((column, i) => {
      for (const detector of DETECTOR_NAMES) {
        const tally = this.tallies[i].get(detector);
        if (tally) out.push({ column, detector, count: tally.count, examples: [...tally.examples] });
      }
    });
    return out;
  }
}

/** Code point order (UTF-16 code unit order differs above U+FFFF), the order UTF-8 bytes sort in. */
export function codePointCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

// A byte-level RFC 4180 parser: quoted fields, "" escapes, delimiters and newlines inside quotes,
// LF, CRLF and lone CR line ends. It never builds strings: a row is handed over as field offsets
// into the buffer, and the caller copies only the bytes it needs (class keys, sensitive values),
// which is what lets a million-row file be measured in a couple of seconds without holding rows.
// csv-parse was measured at several times slower because it decodes every field to a string.
//
// Leniencies, chosen to match what spreadsheet exports contain: blank lines are skipped (a writer
// puts "" for a lone empty field), a quote inside an unquoted field is an ordinary character.
import { ReidInputError } from './errors';

export const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * starts/ends delimit field i; escaped[i] = 1 when a quoted field holds "" pairs to unescape;
 * suspect[i] = 1 when the field might hold a direct identifier (see mightContainIdentifier: the
 * parser classifies bytes as it scans them, so the leak scan needs no pass of its own).
 */
export type RowSink = (
  buf: Buffer,
  starts: Int32Array,
  ends: Int32Array,
  escaped: Uint8Array,
  suspect: Uint8Array,
  fields: number,
) => void;

// Byte classes for the unquoted-field loop: one table load answers "does the field end here" and
// feeds the identifier pre-filter (digit count, '@' or ':', '.').
const DIGIT = 1;
const DOT = 2;
const AT_OR_COLON = 4;
const STOP = 8;

function byteClasses(delimiter: number): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = DIGIT;
  t[0x2e] = DOT;
  t[0x40] = AT_OR_COLON;
  t[0x3a] = AT_OR_COLON;
  t[delimiter] |= STOP;
  t[LF] = STOP;
  t[CR] = STOP;
  return t;
}

export class CsvParser {
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private escaped = new Uint8Array(64);
  private suspect = new Uint8Array(64);
  private readonly classes: Uint8Array;
  /** Rows handed to the sink so far, the header included. */
  rows = 0;

  constructor(
    private readonly delimiter: number,
    /** Replaceable: the first row (the header) decides how the records are handled. */
    public sink: RowSink,
  ) {
    this.classes = byteClasses(delimiter);
  }

  /**
   * Parses the complete rows of buf. Returns the offset where an incomplete last row starts (to be
   * parsed again with more bytes appended), or buf.length. With final, the end of buf ends the row.
   */
  parse(buf: Buffer, final: boolean): number {
    const end = buf.length;
    const d = this.delimiter;
    const classes = this.classes;
    // Locals rather than this.x in the byte loops (refreshed after grow()): V8 keeps them in registers.
    let starts = this.starts;
    let ends = this.ends;
    let escapedAt = this.escaped;
    let suspect = this.suspect;
    let i = 0;
    rows: while (i < end) {
      const rowStart = i;
      let b = buf[i];
      if (b === LF || b === CR) {
        if (b === CR && i + 1 >= end && !final) return rowStart;
        i += b === CR && buf[i + 1] === LF ? 2 : 1;
        continue;
      }
      let f = 0;
      for (;;) {
        if (f === starts.length) {
          this.grow();
          ({ starts, ends, escaped: escapedAt, suspect } = this);
        }
        if (i < end && buf[i] === QUOTE) {
          const start = i + 1;
          let escaped = 0;
          let j = start;
          for (;;) {
            const q = buf.indexOf(QUOTE, j);
            if (q === -1) {
              if (!final) return rowStart;
              throw this.error('a quoted field is never closed');
            }
            if (q + 1 >= end && !final) return rowStart; // the next byte may be a second quote
            if (q + 1 < end && buf[q + 1] === QUOTE) {
              escaped = 1;
              j = q + 2;
              continue;
            }
            starts[f] = start;
            ends[f] = q;
            escapedAt[f] = escaped;
            suspect[f] = 1; // quoted fields are rare: let the string pre-filter decide
            i = q + 1;
            break;
          }
          if (i < end) {
            b = buf[i];
            if (b !== d && b !== LF && b !== CR)
              throw this.error('a closing quote is followed by other text in the same field');
          }
        } else {
          const start = i;
          let digits = 0;
          let seen = 0;
          while (i < end) {
            const k = classes[buf[i]];
            if (k & STOP) break;
            digits += k & DIGIT;
            seen |= k;
            i++;
          }
          starts[f] = start;
          ends[f] = i;
          escapedAt[f] = 0;
          suspect[f] = seen & AT_OR_COLON || digits >= 7 || (digits >= 4 && seen & DOT) ? 1 : 0;
        }
        f++;
        if (i >= end) {
          if (!final) return rowStart;
          this.emit(buf, f);
          return end;
        }
        b = buf[i];
        if (b === d) {
          i++;
          continue;
        }
        if (b === CR) {
          if (i + 1 >= end && !final) return rowStart;
          i += buf[i + 1] === LF ? 2 : 1;
        } else i++;
        this.emit(buf, f);
        continue rows;
      }
    }
    return end;
  }

  private emit(buf: Buffer, fields: number): void {
    this.sink(buf, this.starts, this.ends, this.escaped, this.suspect, fields);
    this.rows++; // after the sink, so an error it raises names this row
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const s = new Int32Array(n);
    s.set(this.starts);
    const e = new Int32Array(n);
    e.set(this.ends);
    const x = new Uint8Array(n);
    x.set(this.escaped);
    const y = new Uint8Array(n);
    y.set(this.suspect);
    this.starts = s;
    this.ends = e;
    this.escaped = x;
    this.suspect = y;
  }

  error(message: string): ReidInputError {
    return new ReidInputError('bad_csv', `CSV row ${this.rows + 1} (the header is row 1): ${message}`);
  }
}

/** Copies a field's bytes to out at pos, turning "" into ", and returns the new end position. */
export function copyField(
  buf: Buffer,
  start: number,
  end: number,
  escaped: number,
  out: Uint8Array,
  pos: number,
): number {
  if (!escaped) {
    for (let i = start; i < end; i++) out[pos++] = buf[i];
    return pos;
  }
  for (let i = start; i < end; i++) {
    out[pos++] = buf[i];
    if (buf[i] === QUOTE) i++;
  }
  return pos;
}

/** The field as a string (header names, leak candidates). */
export function fieldText(buf: Buffer, start: number, end: number, escaped: number): string {
  const s = buf.toString('utf8', start, end);
  return escaped ? s.replace(/""/g, '"') : s;
}

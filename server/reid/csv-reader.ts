// The CSV reader both sources share: bytes in (a file, an upload, the CSV that Postgres sends for
// `COPY (GROUP BY …)`), class counts out. Only class keys, counts and value histograms are kept,
// never rows: memory grows with the number of distinct classes, not with the input.
import type fs from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { FNV_OFFSET, FNV_PRIME, finishHash } from './byte-interner';
import { ClassTable } from './class-table';
import { detectDelimiter } from './csv-delimiter';
import { CsvParser, QUOTE, copyField, fieldText, type RowSink } from './csv-parser';
import { ReidInputError } from './errors';
import { LeakScanner } from './leak-scan';

export const READ_SIZE = 1 << 22;
const DETECT_BYTES = 1 << 16;
const MAX_ROW_BYTES = 64 << 20; // a longer row is almost surely an unclosed quote

export interface CsvReaderOptions {
  /** One character; detected from the first rows when absent. */
  delimiter?: string;
  quasi: readonly string[];
  sensitive?: readonly string[];
  /** Scan every column for direct identifiers in the same pass (default true). */
  scanLeaks?: boolean;
  /** Rows carry a record count in this column (a GROUP BY result) instead of standing for one record. */
  weightColumn?: string;
  /** Scan into this scanner; leakColumns maps each header column to the scanner's column (-1: skip). */
  leakScanner?: LeakScanner;
  leakColumns?: (header: string[]) => number[];
  maxBytes?: number;
  /** Called after each parsed batch with the bytes consumed so far. */
  onChunk?: (bytesRead: number, totalBytes: number | null, records: number) => void;
}

export interface CsvReadResult {
  table: ClassTable;
  leaks: LeakScanner | null;
  columns: string[];
  delimiter: string;
  bytes: number;
}

/** Reads bytes [from, to) of a file into the reader. */
export async function readRange(
  reader: CsvClassReader,
  handle: fs.FileHandle,
  from: number,
  to: number,
  signal?: AbortSignal,
): Promise<void> {
  let pos = from;
  while (pos < to) {
    signal?.throwIfAborted();
    const space = reader.reserve(READ_SIZE);
    const { bytesRead } = await handle.read(reader.work, reader.filled, Math.min(space, to - pos), pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    reader.commit(bytesRead);
  }
}

export class CsvClassReader {
  work = Buffer.allocUnsafe(READ_SIZE * 2);
  filled = 0;
  totalBytes: number | null = null;
  private bytesRead = 0;
  private unparsed = 0;
  private parser: CsvParser | null = null;
  private delimiter = '';
  private columns: string[] | null = null;
  private table: ClassTable | null = null;
  private leaks: LeakScanner | null = null;

  constructor(private readonly options: CsvReaderOptions) {
    if (options.delimiter !== undefined && Buffer.byteLength(options.delimiter) !== 1) {
      throw new ReidInputError(
        'bad_option',
        `the delimiter must be one single-byte character, got "${options.delimiter}"`,
      );
    }
  }

  checkSize(bytes: number): void {
    const max = this.options.maxBytes;
    if (max !== undefined && bytes > max)
      throw new ReidInputError('too_large', `the file is larger than the limit of ${max} bytes`);
  }

  /** Makes room for `bytes` more after the unparsed tail; returns the room available. */
  reserve(bytes: number): number {
    if (this.work.length - this.filled < bytes) {
      if (this.filled + bytes > MAX_ROW_BYTES + READ_SIZE) {
        throw new ReidInputError('bad_csv', 'a row is longer than 64 MiB: is a quote never closed?');
      }
      const next = Buffer.allocUnsafe(Math.max(this.work.length * 2, this.filled + bytes));
      this.work.copy(next, 0, 0, this.filled);
      this.work = next;
    }
    return this.work.length - this.filled;
  }

  /** Takes `added` bytes written at `filled` (after reserve); parses once a batch has built up. */
  commit(added: number): void {
    this.filled += added;
    this.bytesRead += added;
    this.unparsed += added;
    this.checkSize(this.bytesRead);
    if (this.unparsed >= READ_SIZE) this.parse(false);
  }

  push(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    this.work.set(chunk, this.filled);
    this.commit(chunk.length);
  }

  end(): CsvReadResult {
    this.parse(true);
    return this.result();
  }

  result(): CsvReadResult {
    if (!this.columns || !this.table) throw new ReidInputError('empty', 'the CSV file is empty: it has no header row');
    return {
      table: this.table,
      leaks: this.leaks,
      columns: this.columns,
      delimiter: this.delimiter,
      bytes: this.bytesRead,
    };
  }

  private parse(final: boolean): void {
    if (!this.parser) {
      // Wait for enough bytes to detect the delimiter (or at least to see a byte-order mark).
      if (this.filled < (this.options.delimiter ? 3 : DETECT_BYTES) && !final) return;
      this.start(final);
    }
    const view = this.work.subarray(0, this.filled);
    const consumed = this.parser!.parse(view, final);
    // Rows end at a line break, so the consumed part never splits a UTF-8 sequence.
    if (!isUtf8(view.subarray(0, consumed))) throw this.parser!.error('the file is not valid UTF-8');
    this.work.copyWithin(0, consumed, this.filled);
    this.filled -= consumed;
    this.unparsed = 0;
    this.options.onChunk?.(this.bytesRead - this.filled, this.totalBytes, this.table?.records ?? 0);
  }

  private start(final: boolean): void {
    if (this.filled >= 3 && this.work[0] === 0xef && this.work[1] === 0xbb && this.work[2] === 0xbf) {
      this.work.copyWithin(0, 3, this.filled);
      this.filled -= 3;
    }
    this.delimiter =
      this.options.delimiter ?? detectDelimiter(this.work.subarray(0, Math.min(this.filled, DETECT_BYTES)), final);
    this.parser = new CsvParser(this.delimiter.charCodeAt(0), this.headerSink);
  }

  private readonly headerSink: RowSink = (buf, starts, ends, escaped, _suspect, fields) => {
    this.useColumns(Array.from({ length: fields }, (_, i) => fieldText(buf, starts[i], ends[i], escaped[i])));
  };

  private useColumns(columns: string[]): void {
    this.columns = columns;
    const index = (name: string) => {
      const i = columns.indexOf(name);
      if (i < 0) {
        const known = columns.slice(0, 30).join(', ') + (columns.length > 30 ? ', …' : '');
        throw new ReidInputError('unknown_column', `unknown column "${name}"; the file has: ${known}`);
      }
      if (columns.indexOf(name, i + 1) >= 0)
        throw new ReidInputError('bad_option', `column "${name}" appears twice in the header`);
      return i;
    };
    const o = this.options;
    const quasi = Int32Array.from(o.quasi.map(index));
    const sensitive = Int32Array.from((o.sensitive ?? []).map(index));
    const weight = o.weightColumn === undefined ? -1 : index(o.weightColumn);
    this.table = new ClassTable(o.quasi, o.sensitive ?? [], 1 << 16);
    if (o.scanLeaks !== false) this.leaks = o.leakScanner ?? new LeakScanner(columns);
    const leakColumns = Int32Array.from(o.leakColumns ? o.leakColumns(columns) : columns.map((_, i) => i));
    if (weight >= 0) leakColumns[weight] = -1;
    this.parser!.sink = this.recordSink(columns.length, quasi, sensitive, weight, leakColumns);
  }

  private recordSink(
    width: number,
    quasi: Int32Array,
    sensitive: Int32Array,
    weightAt: number,
    leakColumns: Int32Array,
  ): RowSink {
    const table = this.table!;
    const leaks = this.leaks;
    let key: Buffer = Buffer.allocUnsafe(1024);
    let value: Buffer = Buffer.allocUnsafe(1024);
    return (buf, starts, ends, escaped, suspect, fields) => {
      if (fields !== width) throw this.parser!.error(`${fields} fields where the header has ${width}`);
      let weight = 1;
      if (weightAt >= 0) {
        weight = 0;
        for (let i = starts[weightAt]; i < ends[weightAt]; i++) weight = weight * 10 + (buf[i] - 48);
      }
      // The key (QI bytes, unescaping only shrinks them, plus separators) fits in the row's span.
      const need = ends[width - 1] - starts[0] + quasi.length + 1;
      if (need > key.length) key = Buffer.allocUnsafe(need * 2);
      // Copy the key bytes and hash them in the same loop (hashBytes, unrolled here).
      let p = 0;
      let h = FNV_OFFSET;
      for (let q = 0; q < quasi.length; q++) {
        const c = quasi[q];
        if (q > 0) {
          key[p++] = 0;
          h = Math.imul(h, FNV_PRIME);
        }
        const esc = escaped[c];
        for (let i = starts[c], end = ends[c]; i < end; i++) {
          const b = buf[i];
          key[p++] = b;
          h = Math.imul(h ^ b, FNV_PRIME);
          if (b <= QUOTE) {
            if (b === 0) throw this.parser!.error('a quasi-identifier holds a NUL byte');
            if (b === QUOTE && esc) i++;
          }
        }
      }
      const cid = table.classIdHashed(key, 0, p, finishHash(h));
      for (let a = 0; a < sensitive.length; a++) {
        const c = sensitive[a];
        if (!escaped[c]) table.addSensitive(a, cid, buf, starts[c], ends[c], weight);
        else {
          if (ends[c] - starts[c] > value.length) value = Buffer.allocUnsafe((ends[c] - starts[c]) * 2);
          table.addSensitive(a, cid, value, 0, copyField(buf, starts[c], ends[c], 1, value, 0), weight);
        }
      }
      table.addRecords(cid, weight);
      if (leaks) {
        for (let c = 0; c < width; c++) {
          if (suspect[c] && leakColumns[c] >= 0)
            leaks.scanText(leakColumns[c], fieldText(buf, starts[c], ends[c], escaped[c]), weight);
        }
      }
    };
  }
}

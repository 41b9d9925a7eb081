// The input of an anonymization, held column-wise: per quasi-identifier and sensitive attribute,
// one Int32Array of value ids (one slot per record) and the interned distinct values. Nothing per
// row is allocated: the byte-level CSV parser of server/reid hands fields over as offsets and the
// values are interned as raw bytes (server/reid/byte-interner). A million rows × 8 QIs is 32 MB.
import fs from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { ByteInterner } from '../reid/byte-interner';
import { detectDelimiter } from '../reid/csv-delimiter';
import { CsvParser, copyField, fieldText, type RowSink } from '../reid/csv-parser';
import { ReidInputError } from '../reid/errors';

export interface Column {
  name: string;
  /** Index of the column in the source's header. */
  index: number;
  /** Value id per record. */
  ids: Int32Array;
  /** The distinct values, by id. */
  values: string[];
}

export interface Dataset {
  records: number;
  header: string[];
  delimiter: string;
  quasi: Column[];
  sensitive: Column[];
}

const CHUNK = 1 << 22;

export interface LoadOptions {
  delimiter?: string;
  quasi: string[];
  sensitive?: string[];
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

/** Reads a CSV file once into value-id columns. */
export async function loadCsv(file: string, options: LoadOptions): Promise<Dataset> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    throw new ReidInputError(
      'unreadable_file',
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    const total = (await handle.stat()).size;
    const loader = new ColumnLoader(options);
    let pos = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const space = loader.reserve(CHUNK);
      const { bytesRead } = await handle.read(loader.work, loader.filled, space, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      loader.commit(bytesRead, false);
      options.onProgress?.(pos, total);
    }
    return loader.finish();
  } finally {
    await handle.close();
  }
}

/** Builds a dataset from rows in memory (tests, Postgres tables). */
export function datasetFromRows(header: string[], rows: string[][], options: Omit<LoadOptions, 'delimiter'>): Dataset {
  const pick = (name: string): Column => {
    const index = header.indexOf(name);
    if (index < 0)
      throw new ReidInputError('unknown_column', `unknown column "${name}"; the data has: ${header.join(', ')}`);
    const map = new Map<string, number>();
    const values: string[] = [];
    const ids = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      const v = r[index] ?? '';
      let id = map.get(v);
      if (id === undefined) {
        id = values.length;
        map.set(v, id);
        values.push(v);
      }
      ids[i] = id;
    });
    return { name, index, ids, values };
  };
  return {
    records: rows.length,
    header,
    delimiter: ',',
    quasi: options.quasi.map(pick),
    sensitive: (options.sensitive ?? []).map(pick),
  };
}

class ColumnLoader {
  work = Buffer.allocUnsafe(CHUNK * 2);
  filled = 0;
  private parser: CsvParser | null = null;
  private delimiter = '';
  private header: string[] | null = null;
  private records = 0;
  private interners: ByteInterner[] = [];
  private ids: Int32Array[] = [];
  private indexes: Int32Array = new Int32Array(0);

  constructor(private readonly options: LoadOptions) {}

  reserve(bytes: number): number {
    if (this.work.length - this.filled < bytes) {
      const next = Buffer.allocUnsafe(Math.max(this.work.length * 2, this.filled + bytes));
      this.work.copy(next, 0, 0, this.filled);
      this.work = next;
    }
    return this.work.length - this.filled;
  }

  commit(added: number, final: boolean): void {
    this.filled += added;
    if (!this.parser) {
      if (this.filled < 1 << 16 && !final) return;
      if (this.filled >= 3 && this.work[0] === 0xef && this.work[1] === 0xbb && this.work[2] === 0xbf) {
        this.work.copyWithin(0, 3, this.filled);
        this.filled -= 3;
      }
      this.delimiter =
        this.options.delimiter ?? detectDelimiter(this.work.subarray(0, Math.min(this.filled, 1 << 16)), final);
      this.parser = new CsvParser(this.delimiter.charCodeAt(0), this.headerSink);
    }
    const view = this.work.subarray(0, this.filled);
    const consumed = this.parser.parse(view, final);
    if (!isUtf8(view.subarray(0, consumed))) throw this.parser.error('the file is not valid UTF-8');
    this.work.copyWithin(0, consumed, this.filled);
    this.filled -= consumed;
  }

  finish(): Dataset {
    this.commit(0, true);
    if (!this.header) throw new ReidInputError('empty', 'the CSV file is empty: it has no header row');
    const n = this.records;
    const q = this.options.quasi.length;
    const column = (i: number, name: string): Column => ({
      name,
      index: this.indexes[i],
      ids: this.ids[i].subarray(0, n),
      values: Array.from({ length: this.interners[i].size }, (_, id) => this.interners[i].decode(id)),
    });
    return {
      records: n,
      header: this.header,
      delimiter: this.delimiter,
      quasi: this.options.quasi.map((name, i) => column(i, name)),
      sensitive: (this.options.sensitive ?? []).map((name, i) => column(q + i, name)),
    };
  }

  private readonly headerSink: RowSink = (buf, starts, ends, escaped, _s, fields) => {
    const header = Array.from({ length: fields }, (_, i) => fieldText(buf, starts[i], ends[i], escaped[i]));
    this.header = header;
    const names = [...this.options.quasi, ...(this.options.sensitive ?? [])];
    this.indexes = Int32Array.from(
      names.map((name) => {
        const i = header.indexOf(name);
        if (i < 0)
          throw new ReidInputError(
            'unknown_column',
            `unknown column "${name}"; the file has: ${header.slice(0, 30).join(', ')}`,
          );
        return i;
      }),
    );
    this.interners = names.map(() => new ByteInterner(1024));
    this.ids = names.map(() => new Int32Array(1 << 16));
    this.parser!.sink = this.rowSink(fields);
  };

  private rowSink(width: number): RowSink {
    const indexes = this.indexes;
    const interners = this.interners;
    const count = indexes.length;
    let scratch = Buffer.allocUnsafe(1024);
    return (buf, starts, ends, escaped, _s, fields) => {
      if (fields !== width) throw this.parser!.error(`${fields} fields where the header has ${width}`);
      const row = this.records++;
      if (row >= this.ids[0].length) this.ids = this.ids.map((a) => grow(a));
      for (let i = 0; i < count; i++) {
        const c = indexes[i];
        let id: number;
        if (!escaped[c]) id = interners[i].intern(buf, starts[c], ends[c]);
        else {
          if (ends[c] - starts[c] > scratch.length) scratch = Buffer.allocUnsafe((ends[c] - starts[c]) * 2);
          id = interners[i].intern(scratch, 0, copyField(buf, starts[c], ends[c], 1, scratch, 0));
        }
        this.ids[i][row] = id;
      }
    };
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

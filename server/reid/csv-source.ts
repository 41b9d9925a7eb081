// Reads a CSV file or an upload stream into class counts, in one streaming pass (csv-reader.ts).
// One thread: a worker thread counting half of a big file was measured (identical results) and
// dropped: merging the halves' classes cost 0.5 s of the ~1 s it saved on 1M rows, and the second
// thread's own heap took the worst case's peak to ~290 MB, against a 300 MB budget.
import fs from 'node:fs/promises';
import { CsvClassReader, readRange, type CsvReaderOptions, type CsvReadResult } from './csv-reader';
import { ReidInputError } from './errors';

export type { CsvReadResult, CsvReaderOptions } from './csv-reader';

export interface CsvReadOptions extends CsvReaderOptions {
  /** A path, or a stream of bytes (an upload) with its size if known, for progress. */
  file?: string;
  stream?: AsyncIterable<Uint8Array>;
  totalBytes?: number;
  signal?: AbortSignal;
}

export async function readCsvClasses(options: CsvReadOptions): Promise<CsvReadResult> {
  const reader = new CsvClassReader(options);
  if (options.stream) {
    reader.totalBytes = options.totalBytes ?? null;
    for await (const chunk of options.stream) {
      options.signal?.throwIfAborted();
      reader.push(chunk);
    }
    return reader.end();
  }
  if (!options.file) throw new ReidInputError('bad_option', 'give a CSV file or stream');
  let handle: fs.FileHandle | undefined;
  let size: number;
  try {
    handle = await fs.open(options.file, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    size = stat.size;
    reader.totalBytes = size;
    reader.checkSize(size);
  } catch (err) {
    await handle?.close();
    if (err instanceof ReidInputError) throw err;
    throw new ReidInputError(
      'unreadable_file',
      `cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    await readRange(reader, handle, 0, size, options.signal);
    return reader.end();
  } finally {
    await handle.close();
  }
}

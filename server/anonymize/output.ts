// Writes the anonymized version of a CSV file: a second streaming pass over the source, each
// quasi-identifier replaced by its generalization at the chosen levels, suppressed records left out,
// every other column copied byte for byte (quoted when it needs to be).
import fs from 'node:fs/promises';
import { CsvParser, QUOTE, fieldText, type RowSink } from '../reid/csv-parser';
import type { Dataset } from './columnar-input';
import type { Anonymizer } from './engine';

const CHUNK = 1 << 22;
const LF = 0x0a;
const CR = 0x0d;

export async function writeAnonymizedCsv(
  input: string,
  output: string,
  data: Dataset,
  engine: Anonymizer,
  levels: number[],
  classOf: Int32Array,
  signal?: AbortSignal,
  /** Header column index → pseudonym function (pseudonymize.ts). */
  pseudonyms: Map<number, (value: string) => string> = new Map(),
): Promise<{ written: number; bytes: number }> {
  const delimiter = data.delimiter.charCodeAt(0);
  const needsQuote = (b: Uint8Array) => b.some((x) => x === delimiter || x === QUOTE || x === LF || x === CR);
  const encode = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return needsQuote(b) ? Buffer.from(`"${s.replace(/"/g, '""')}"`, 'utf8') : b;
  };
  // Per QI: the encoded generalization of each value id.
  const labelBytes = data.quasi.map((c, a) =>
    c.values.map((_, vid) => encode(engine.attributes[a].labels[levels[a]][engine.attributes[a].gen[levels[a]][vid]])),
  );
  const qiAt = new Int32Array(data.header.length).fill(-1);
  data.quasi.forEach((c, a) => (qiAt[c.index] = a));
  const ids = data.quasi.map((c) => c.ids);

  let out = Buffer.allocUnsafe(CHUNK * 2);
  let used = 0;
  const ensure = (extra: number) => {
    if (used + extra <= out.length) return;
    const next = Buffer.allocUnsafe(Math.max(out.length * 2, used + extra));
    out.copy(next, 0, 0, used);
    out = next;
  };
  let record = -1;
  let written = 0;
  const sink: RowSink = (buf, starts, ends, escaped, _s, fields) => {
    const r = record++;
    if (r >= 0 && classOf[r] < 0) return;
    ensure((ends[fields - 1] - starts[0]) * 2 + fields * 64 + 2);
    for (let c = 0; c < fields; c++) {
      if (c > 0) out[used++] = delimiter;
      const a = r >= 0 ? qiAt[c] : -1;
      if (a >= 0) {
        const b = labelBytes[a][ids[a][r]];
        ensure(b.length + 2);
        used += b.copy(out, used);
        continue;
      }
      const pseudonym = r >= 0 ? pseudonyms.get(c) : undefined;
      if (pseudonym) {
        const b = encode(pseudonym(fieldText(buf, starts[c], ends[c], escaped[c])));
        ensure(b.length + 2);
        used += b.copy(out, used);
        continue;
      }
      const s = starts[c];
      const e = ends[c];
      let quote = false;
      for (let i = s; i < e; i++) {
        const x = buf[i];
        if (x === delimiter || x === QUOTE || x === LF || x === CR) {
          quote = true;
          break;
        }
      }
      // Escaped fields still hold their "" pairs: copying them inside quotes keeps them escaped.
      if (quote) out[used++] = QUOTE;
      used += buf.copy(out, used, s, e);
      if (quote) out[used++] = QUOTE;
    }
    out[used++] = LF;
    if (r >= 0) written++;
  };
  const parser = new CsvParser(delimiter, sink);
  const src = await fs.open(input, 'r');
  const dst = await fs.open(output, 'w');
  let bytes = 0;
  try {
    let work = Buffer.allocUnsafe(CHUNK * 2);
    let filled = 0;
    let pos = 0;
    let skippedBom = false;
    for (;;) {
      signal?.throwIfAborted();
      if (work.length - filled < CHUNK) {
        const next = Buffer.allocUnsafe(work.length * 2);
        work.copy(next, 0, 0, filled);
        work = next;
      }
      const { bytesRead } = await src.read(work, filled, CHUNK, pos);
      pos += bytesRead;
      filled += bytesRead;
      if (!skippedBom && filled >= 3) {
        skippedBom = true;
        if (work[0] === 0xef && work[1] === 0xbb && work[2] === 0xbf) {
          work.copyWithin(0, 3, filled);
          filled -= 3;
        }
      }
      const consumed = parser.parse(work.subarray(0, filled), bytesRead === 0);
      work.copyWithin(0, consumed, filled);
      filled -= consumed;
      if (used > 0) {
        await dst.write(out, 0, used);
        bytes += used;
        used = 0;
      }
      if (bytesRead === 0) break;
    }
  } finally {
    await src.close();
    await dst.close();
  }
  return { written, bytes };
}

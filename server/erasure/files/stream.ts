// Streaming rewrite of a CSV or JSONL file (issue 20): the file is read in chunks, never whole, cut
// into records (a CSV record may span lines inside quotes), and only the records a decision changes
// are re-encoded; every other byte is copied as it was, in runs as long as the chunk. A record is
// parsed only when it could match: its lower-cased bytes contain one of the needles (the subject's
// values), or, in JSONL, an escape (`\u`, `\/`) that could hide one. The old and new SHA-256 and the
// record counts are computed on the way.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { FileFormat } from '../../policies/file-glob';

/** What becomes of one record: as it was, gone, or with these fields replaced (null clears). */
export type Decision = { kind: 'keep' } | { kind: 'drop' } | { kind: 'set'; fields: Record<string, string | null> };

export interface RecordRules {
  /**
   * Lower-cased strings one of which a record must contain to be worth parsing; null parses every
   * record (a value the prefilter cannot see through quoting or escapes).
   */
  needles: string[] | null;
  decide(get: (column: string) => unknown): Decision;
}

export interface StreamResult {
  oldSha256: string;
  newSha256: string;
  /** Data records (no header, no blank lines) before and after. */
  rowsBefore: number;
  rowsAfter: number;
  /** Records dropped or changed. */
  rowsDropped: number;
  rowsChanged: number;
}

const CHUNK = 4 * 1024 * 1024;
const NL = 10;
const QUOTE = 34;

/** Needles for the prefilter, or null when a value could be written in a way it would not see. */
export function needlesFor(values: string[], format: FileFormat): string[] | null {
  const lowered = [...new Set(values.map((v) => v.trim().toLowerCase()).filter(Boolean))];
  // Non-ASCII folds differently in bytes; quotes are doubled in CSV and escaped in JSON.
  if (lowered.some((v) => /[^\x20-\x7e]|["\\]/.test(v))) return null;
  return format === 'jsonl' ? [...lowered, '\\u', '\\/'] : lowered;
}

/** End (index of its "\n") of the record starting at `start`, or -1 when the buffer ends first. */
function recordEnd(buf: Buffer, start: number, format: FileFormat): number {
  if (format !== 'csv') return buf.indexOf(NL, start);
  let i = start;
  let nl = -2;
  for (;;) {
    if (nl < i && nl !== -1) nl = buf.indexOf(NL, i);
    const qt = buf.indexOf(QUOTE, i);
    if (qt === -1 || (nl !== -1 && nl < qt)) return nl;
    const close = buf.indexOf(QUOTE, qt + 1);
    if (close === -1) return -1;
    i = close + 1;
  }
}

const WHITE = new Set([9, 10, 11, 12, 13, 32]);
const isBlank = (buf: Buffer, start: number, end: number) =>
  WHITE.has(buf[start]) &&
  /^\s*$/.test(buf.toString('latin1', start, Math.min(end, start + 64))) &&
  (end - start <= 64 || buf.toString('utf8', start, end).trim() === '');

/** RFC 4180 fields of one CSV record (its terminator ignored). */
export function csvFields(record: string): string[] {
  const line = record.replace(/\r?\n$/, '');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

const csvQuote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The file's records rewritten into `out` (an open file; null: only count, as a dry run); the rules decide per record. */
export async function streamRewrite(
  source: string,
  out: FileHandle | null,
  format: FileFormat,
  rules: RecordRules,
): Promise<StreamResult> {
  const oldHash = crypto.createHash('sha256');
  const newHash = crypto.createHash('sha256');
  const result = { rowsBefore: 0, rowsAfter: 0, rowsDropped: 0, rowsChanged: 0 };
  let header: string[] | null = format === 'csv' ? null : [];
  let carry: Buffer = Buffer.alloc(0);
  const pieces: Buffer[] = [];
  const flush = async () => {
    if (!pieces.length) return;
    for (const p of pieces) newHash.update(p);
    if (out) await out.writev(pieces);
    pieces.length = 0;
  };

  const handle = (buf: Buffer, final: boolean): number => {
    let start = 0;
    let copyFrom = 0; // bytes from here to the current record are copied unchanged
    const lower = rules.needles ? buf.toString('latin1').toLowerCase() : '';
    // Each needle's next occurrence at or after the current record: a record is parsed only when one lies inside it.
    const needles = rules.needles ?? [];
    const nextAt = needles.map(() => -2);
    const containsNeedle = (from: number, to: number) =>
      needles.some((n, k) => {
        if (nextAt[k] !== -1 && nextAt[k] < from) nextAt[k] = lower.indexOf(n, from);
        return nextAt[k] !== -1 && nextAt[k] < to;
      });
    while (start < buf.length) {
      let end = recordEnd(buf, start, format);
      if (end === -1) {
        if (!final) break;
        end = buf.length - 1;
      }
      const next = end + 1;
      if (header === null) {
        header = csvFields(buf.toString('utf8', start, next));
        start = next;
        continue;
      }
      if (isBlank(buf, start, next)) {
        start = next;
        continue;
      }
      result.rowsBefore++;
      const candidate = !rules.needles || containsNeedle(start, next);
      const decision = candidate ? decideRecord(buf.toString('utf8', start, next), format, header, rules) : null;
      if (!decision) {
        result.rowsAfter++;
        start = next;
        continue;
      }
      pieces.push(buf.subarray(copyFrom, start));
      if (decision.kind === 'drop') result.rowsDropped++;
      else {
        result.rowsChanged++;
        result.rowsAfter++;
        pieces.push(Buffer.from(decision.text, 'utf8'));
      }
      copyFrom = next;
      start = next;
    }
    pieces.push(buf.subarray(copyFrom, start));
    return start;
  };

  const reader = fs.createReadStream(source, { highWaterMark: CHUNK });
  for await (const chunk of reader as AsyncIterable<Buffer>) {
    oldHash.update(chunk);
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const used = handle(buf, false);
    carry = Buffer.from(buf.subarray(used));
    await flush();
  }
  if (carry.length) handle(carry, true);
  await flush();
  return { ...result, oldSha256: oldHash.digest('hex'), newSha256: newHash.digest('hex') };
}

/** A parsed record's decision, with the re-encoded text when it changes (its terminator kept). */
function decideRecord(
  text: string,
  format: FileFormat,
  header: string[],
  rules: RecordRules,
): { kind: 'drop' } | { kind: 'set'; text: string } | null {
  const eol = /\r?\n$/.exec(text)?.[0] ?? '';
  if (format === 'csv') {
    const fields = csvFields(text);
    const d = rules.decide((c) => fields[header.indexOf(c)]);
    if (d.kind !== 'set') return d.kind === 'drop' ? d : null;
    let changed = false;
    for (const [c, v] of Object.entries(d.fields)) {
      const i = header.indexOf(c);
      if (i === -1 || fields[i] === (v ?? '')) continue;
      fields[i] = v ?? '';
      changed = true;
    }
    return changed ? { kind: 'set', text: fields.map(csvQuote).join(',') + eol } : null;
  }
  const obj = JSON.parse(text) as Record<string, unknown>;
  const d = rules.decide((c) => obj[c]);
  if (d.kind !== 'set') return d.kind === 'drop' ? d : null;
  let changed = false;
  for (const [c, v] of Object.entries(d.fields)) {
    if (!(c in obj) || obj[c] === v) continue;
    obj[c] = v;
    changed = true;
  }
  return changed ? { kind: 'set', text: JSON.stringify(obj) + eol } : null;
}

/** Data records of a CSV or JSONL file, streamed (the manifest's row count). */
export async function countRecords(file: string, format: FileFormat): Promise<{ rows: number; sha256: string }> {
  const hash = crypto.createHash('sha256');
  let rows = 0;
  let header = format === 'csv';
  let carry: Buffer = Buffer.alloc(0);
  const count = (buf: Buffer, final: boolean) => {
    let start = 0;
    while (start < buf.length) {
      let end = recordEnd(buf, start, format);
      if (end === -1) {
        if (!final) break;
        end = buf.length - 1;
      }
      if (header) header = false;
      else if (!isBlank(buf, start, end + 1)) rows++;
      start = end + 1;
    }
    return start;
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    carry = Buffer.from(buf.subarray(count(buf, false)));
  }
  if (carry.length) count(carry, true);
  return { rows, sha256: hash.digest('hex') };
}

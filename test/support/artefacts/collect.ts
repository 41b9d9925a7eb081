// Collects every artefact Lethe produced in a test — rows of its own tables (as JSON, with stored
// PDFs through pdftotext and other bytes as text), job payloads and queue state in Redis, the log
// output, and the HTTP answers the test recorded (pages, PDFs, CSV / archive exports, API JSON) —
// and searches them for planted personal values. Where a value may legitimately sit is the
// allow-list (allow-list.ts, mirrored in docs/decisions.md). Each later area adds its artefacts
// (emails, webhook bodies, board packets, findings exports, anonymized outputs) as Artefacts (httpArtefact, or its own collector).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';

export interface Artefact {
  /** Where it was found, e.g. `db:reid_runs[id=…].result`, `redis:…:erasure:1`, `http:GET /reid/runs/…`, `log`. */
  where: string;
  /** Kind of output, for the allow-list: db-row, db-bytes, redis, log, http. */
  kind: 'db-row' | 'db-bytes' | 'redis' | 'log' | 'http';
  /** The table (db-*), else '' */
  table: string;
  /** The row the artefact came from (db-*), for allow-list rules that look at its columns. */
  row?: Record<string, unknown>;
  text: string;
}

export interface Needle {
  value: string;
  /** What it is, e.g. "email of the erased subject". */
  label: string;
  /** Whose value it is: allow-list rules grant a subject's values to some artefacts only. */
  subject: string;
}

export interface Finding {
  needle: Needle;
  where: string;
}

export interface AllowRule {
  /** Why it may hold personal data (the docs/decisions.md row it mirrors). */
  reason: string;
  /** Whether the artefact may hold this needle. */
  allows(artefact: Artefact, needle: Needle): boolean;
}

/** Text of stored bytes: a PDF through pdftotext, anything else decoded as UTF-8 (CSV, JSON, tar). */
export function bytesToText(bytes: Buffer): string {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return pdfToText(bytes);
  return bytes.toString('utf8');
}

export function pdfToText(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-artefact-'));
  try {
    const file = path.join(dir, 'a.pdf');
    fs.writeFileSync(file, pdf);
    return execFileSync('pdftotext', ['-layout', file, '-']).toString('utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every row of every table in Lethe's database; bytea columns become their own artefacts. */
export async function collectDatabase(db: Knex): Promise<Artefact[]> {
  const tables = (await db('information_schema.tables')
    .where({ table_schema: 'public', table_type: 'BASE TABLE' })
    .orderBy('table_name')
    .pluck('table_name')) as string[];
  const out: Artefact[] = [];
  for (const table of tables) {
    const rows = (await db(table).select('*')) as Record<string, unknown>[];
    rows.forEach((row, i) => {
      const key = rowKey(row, i);
      const plain: Record<string, unknown> = {};
      for (const [column, value] of Object.entries(row)) {
        if (Buffer.isBuffer(value))
          out.push({ where: `db:${table}[${key}].${column}`, kind: 'db-bytes', table, row, text: bytesToText(value) });
        else plain[column] = value;
      }
      out.push({ where: `db:${table}[${key}]`, kind: 'db-row', table, row, text: JSON.stringify(plain) });
    });
  }
  return out;
}

function rowKey(row: Record<string, unknown>, i: number): string {
  for (const k of ['id', 'run_id', 'request_id', 'seq', 'sid', 'name', 'hash'])
    if (row[k] !== undefined && row[k] !== null) return `${k}=${String(row[k])}`;
  return `#${i}`;
}

/** Every key under the test's queue prefix: job payloads, return values, failure reasons, events. */
export async function collectRedis(url: string, prefix: string): Promise<Artefact[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const out: Artefact[] = [];
  try {
    let cursor = '0';
    const keys: string[] = [];
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    for (const key of keys.sort()) {
      const type = await redis.type(key);
      let value: unknown;
      if (type === 'string') value = await redis.get(key);
      else if (type === 'hash') value = await redis.hgetall(key);
      else if (type === 'list') value = await redis.lrange(key, 0, -1);
      else if (type === 'set') value = await redis.smembers(key);
      else if (type === 'zset') value = await redis.zrange(key, 0, -1);
      else if (type === 'stream') value = await redis.xrange(key, '-', '+');
      else continue;
      out.push({ where: `redis:${key}`, kind: 'redis', table: '', text: JSON.stringify(value) });
    }
  } finally {
    redis.disconnect();
  }
  return out;
}

/** HTTP answers the test recorded: PDFs as text, everything else as its body text. */
export function httpArtefact(where: string, body: Buffer | string): Artefact {
  return { where: `http:${where}`, kind: 'http', table: '', text: Buffer.isBuffer(body) ? bytesToText(body) : body };
}

export function logArtefact(text: string): Artefact {
  return { where: 'log', kind: 'log', table: '', text };
}

/** Every needle found in an artefact that no allow-list rule grants it to. */
export function scan(artefacts: Artefact[], needles: Needle[], allow: AllowRule[]): Finding[] {
  const findings: Finding[] = [];
  for (const a of artefacts) {
    const haystack = a.text.toLowerCase();
    for (const n of needles) {
      if (!haystack.includes(n.value.toLowerCase())) continue;
      if (allow.some((r) => r.allows(a, n))) continue;
      findings.push({ needle: n, where: a.where });
    }
  }
  return findings;
}

export const describeFindings = (findings: Finding[]) =>
  findings.map((f) => `${f.needle.label} (${f.needle.subject}) in ${f.where}`).join('\n');

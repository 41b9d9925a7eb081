// Issue 20, point 5: the demo company on every engine the machine has. The demo seed runs into a fresh
// data dir and database; its analytics system goes to MariaDB when one answers (else stays on
// PostgreSQL), and the assistant's fine-tuning set is a JSONL file and a Parquet snapshot under the
// data dir. The seeded, approved erasure (ZD-10260) then runs on the real workers, and direct scans
// of each engine (MariaDB rows, JSONL lines, Parquet rows through DuckDB) show the subject gone and
// everyone else untouched, save the redacted mention of the subject in another customer's prompt.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type TestApp, binaryBody } from '../support/app';
import { mysqlAdminUrl } from '../support/mysql';
import { expectedClosing, sql, until } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { seedDemo } from '../../server/demo/seed';
import { demoPrefix, demoSystemsLine } from '../../server/demo/data';
import { dropMysqlDatabase } from '../../server/demo/mariadb';
import { CHATS_FILE, FINETUNING_ROOT, SNAPSHOT_FILE } from '../../server/demo/finetuning';
import { rowsOf, sourceOf, withDuckdb } from '../../server/erasure/files/duckdb';
import type { DemoSystem } from '../../server/demo/systems';

interface Demo {
  t: TestApp;
  dir: string;
  urls: Record<DemoSystem, string>;
  close(): Promise<void>;
}

async function seededDemo(mysqlUrl: string): Promise<Demo> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-demo-engines-'));
  const t = await createTestApp({ env: { LETHE_DATA_DIR: dir, LETHE_DEMO_MYSQL_URL: mysqlUrl } });
  await seedDemo(t.deps);
  const urls = JSON.parse(fs.readFileSync(path.join(dir, 'demo-systems.json'), 'utf8'));
  const byName = Object.fromEntries(
    Object.entries(urls).map(([env, url]) => [env.replace('_DATABASE_URL', '').toLowerCase(), url]),
  ) as Record<DemoSystem, string>;
  return {
    t,
    dir,
    urls: byName,
    async close() {
      const prefix = demoPrefix(dir);
      await t.close();
      await dropMysqlDatabase(mysqlAdminUrl(), `${prefix}_analytics`);
      const admin = new URL(t.env.DATABASE_URL!);
      admin.pathname = '/postgres';
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      try {
        const { rows } = await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}\\_%`]);
        for (const r of rows) await c.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
      } finally {
        await c.end();
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The analytics events as `id → row as text`, from whichever engine holds them. */
async function analyticsRows(url: string): Promise<Map<string, string>> {
  if (url.startsWith('mysql')) {
    const c = await mysql.createConnection({ uri: url, timezone: 'Z' });
    try {
      const [rows] = await c.query(
        `SELECT CAST(id AS CHAR) AS id, user_id, event, ip_address, DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%s.%f') AS at FROM events ORDER BY id`,
      );
      return new Map((rows as Record<string, string>[]).map((r) => [r.id, JSON.stringify(r)]));
    } finally {
      await c.end();
    }
  }
  const rows = await sql<Record<string, string>>(
    url,
    `SELECT id::text AS id, user_id, event, host(ip_address) AS ip_address, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at FROM events ORDER BY id`,
  );
  return new Map(rows.map((r) => [r.id, JSON.stringify(r)]));
}

async function parquetRows(file: string): Promise<Record<string, string>[]> {
  return withDuckdb((db) =>
    rowsOf<Record<string, string>>(
      db,
      `SELECT id::VARCHAR AS id, customer_id::VARCHAR AS customer_id, user_email, text, created_at::VARCHAR AS created_at FROM ${sourceOf(file, 'parquet')} ORDER BY id`,
    ),
  );
}

interface Subject {
  id: string;
  email: string;
}

/** Every engine's copy of the demo's data, read directly (no Lethe code but DuckDB's reader). */
async function scan(d: Demo) {
  const root = path.join(d.dir, FINETUNING_ROOT);
  return {
    analytics: await analyticsRows(d.urls.analytics),
    jsonl: fs.readFileSync(path.join(root, CHATS_FILE), 'utf8').split('\n').filter(Boolean),
    parquet: await parquetRows(path.join(root, SNAPSHOT_FILE)),
  };
}

/** Runs the seeded, approved erasure (ZD-10260) on real workers and checks every engine before and after. */
async function eraseSeededSubject(d: Demo): Promise<{ requestId: string; certificate: string }> {
  const request = await d.t.deps.db('requests').where({ reference: 'ZD-10260' }).first();
  expect(request.status).toBe('approved');
  const [subject] = await sql<Subject>(
    d.urls.crm,
    'SELECT c.id::text AS id, c.email FROM customers c ORDER BY c.id OFFSET 3 LIMIT 1',
  );
  const mine = (s: string) => s.toLowerCase().includes(subject.email.toLowerCase());
  const before = await scan(d);
  // The seed gives the subject rows in every engine, and another customer's prompt names them.
  const theirEvents = [...before.analytics.values()].filter((r) => JSON.parse(r).user_id === subject.id);
  expect(theirEvents.length).toBeGreaterThan(0);
  const ownChats = before.jsonl.filter((l) => JSON.parse(l).customer_id === Number(subject.id));
  expect(ownChats.length).toBeGreaterThanOrEqual(2);
  expect(ownChats.some((l) => mine(JSON.parse(l).prompt))).toBe(true);
  const mentions = before.jsonl.filter((l) => JSON.parse(l).customer_id !== Number(subject.id) && mine(l));
  expect(mentions.length).toBeGreaterThan(0);
  expect(before.parquet.filter((r) => r.customer_id === subject.id).length).toBe(ownChats.length);
  const closing = await expectedClosing(d.urls, subject.email);

  const workers: RunningWorkers = startWorkers(d.t.deps, { reconcileEveryMs: 3_600_000 });
  try {
    const status = await until(
      async () => {
        const s = (await d.t.deps.db('requests').where({ id: request.id }).first('status')).status as string;
        return ['completed', 'part_held', 'needs_attention', 'failed'].includes(s) ? s : null;
      },
      150_000,
      'the demo erasure',
    );
    const row = await d.t.deps.db('requests').where({ id: request.id }).first();
    expect(status, JSON.stringify(row.outcome ?? row.last_error)).toBe(closing);
  } finally {
    await workers.close();
  }

  const after = await scan(d);
  // MariaDB (or the PostgreSQL fallback): the subject's events are gone, every other row is as it was.
  const expectedEvents = new Map([...before.analytics].filter(([, r]) => JSON.parse(r).user_id !== subject.id));
  expect(after.analytics).toEqual(expectedEvents);
  // JSONL: the subject's chats are gone, other lines keep their bytes but for the redacted mention.
  expect(after.jsonl.filter(mine)).toEqual([]);
  const untouched = before.jsonl.filter((l) => JSON.parse(l).customer_id !== Number(subject.id) && !mine(l));
  expect(after.jsonl.filter((l) => !l.includes('[redacted]'))).toEqual(untouched);
  expect(after.jsonl).toHaveLength(before.jsonl.length - ownChats.length);
  for (const m of mentions) {
    const id = JSON.parse(m).chat_id;
    const now = after.jsonl.find((l) => JSON.parse(l).chat_id === id)!;
    expect(JSON.parse(now).prompt).toBe(JSON.parse(m).prompt.replaceAll(subject.email, '[redacted]'));
  }
  // Parquet: the subject's rows are gone; every other row is unchanged but the text naming them.
  expect(after.parquet.filter((r) => r.customer_id === subject.id || mine(JSON.stringify(r)))).toEqual([]);
  const others = before.parquet.filter((r) => r.customer_id !== subject.id);
  expect(after.parquet.map((r) => ({ ...r, text: r.text.replaceAll('[redacted]', '') }))).toEqual(
    others.map((r) => ({ ...r, text: r.text.replaceAll(subject.email, '') })),
  );
  expect(after.parquet.filter((r) => r.text.includes('[redacted]')).length).toBeGreaterThan(0);
  // Each dataset's manifest records the rewrite under the request.
  for (const dataset of ['chats', 'snapshots']) {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(d.dir, FINETUNING_ROOT, dataset, 'lethe-manifest.json'), 'utf8'),
    );
    expect(manifest.lineage).toEqual([expect.objectContaining({ reference: request.id })]);
  }

  const officer = await signIn(d.t, 'compliance_officer');
  const cert = await officer.agent.get(`/requests/${request.id}/certificate.pdf`).buffer(true).parse(binaryBody);
  expect(cert.status).toBe(200);
  const file = path.join(d.dir, 'certificate.pdf');
  fs.writeFileSync(file, cert.body as Buffer);
  const certificate = execFileSync('pdftotext', [file, '-']).toString().replace(/\s+/g, ' ');
  expect(certificate).toContain('PASSED');
  for (const dataset of ['crm.customers', 'analytics.events', 'finetuning.chats', 'finetuning.snapshot_2026_11'])
    expect(certificate).toContain(dataset);
  return { requestId: request.id, certificate };
}

describe('the demo on every engine the machine has', () => {
  let d: Demo;
  beforeAll(async () => {
    d = await seededDemo(mysqlAdminUrl());
  }, 180_000);
  afterAll(async () => {
    await d?.close();
  });

  it('seeds analytics on MariaDB in a database named after the data dir, and the fine-tuning files with manifests', async () => {
    const database = `${demoPrefix(d.dir)}_analytics`;
    expect(d.urls.analytics).toMatch(new RegExp(`^mysql://.*/${database}$`));
    // The PostgreSQL copy the rows were generated in is gone: no second copy to forget in an erasure.
    const [gone] = await sql<{ n: number }>(
      d.t.env.DATABASE_URL!,
      'SELECT count(*)::int AS n FROM pg_database WHERE datname = $1',
      [database],
    );
    expect(gone.n).toBe(0);
    expect(demoSystemsLine(d.t.deps.config)).toContain(`analytics on MariaDB (127.0.0.1:3306, database ${database})`);
    const root = path.join(d.dir, FINETUNING_ROOT);
    const chats = JSON.parse(fs.readFileSync(path.join(root, 'chats/lethe-manifest.json'), 'utf8'));
    const snapshot = JSON.parse(fs.readFileSync(path.join(root, 'snapshots/lethe-manifest.json'), 'utf8'));
    expect(chats).toMatchObject({ dataset: 'chats', format: 'jsonl', lineage: [] });
    expect(snapshot).toMatchObject({ dataset: 'snapshot_2026_11', format: 'parquet', lineage: [] });
    expect(chats.files[0].rows).toBe(snapshot.files[0].rows);
    expect(chats.files[0].rows).toBeGreaterThanOrEqual(1000); // 500 customers, two or three chats each
  });

  it('enrols the demo staff whose role needs MFA with a TOTP key and no recovery codes (shown to no one)', async () => {
    const users = await d.t.deps.db('users').select('role', 'mfa_enrolled_at', 'mfa_secret_enc', 'recovery_codes');
    const enrolled = users.filter((u) => d.t.deps.auth.mfaRequired(u.role));
    expect(enrolled.length).toBeGreaterThanOrEqual(5);
    for (const u of enrolled) {
      expect(u.mfa_enrolled_at).not.toBeNull();
      expect(u.mfa_secret_enc).not.toBeNull();
      expect(u.recovery_codes).toEqual([]);
    }
  });

  it('erases the seeded request from PostgreSQL, MariaDB, the JSONL chats and the Parquet snapshot; the certificate lists them all', async () => {
    await eraseSeededSubject(d);
  }, 240_000);
});

describe('the demo when MariaDB does not answer', () => {
  let d: Demo;
  beforeAll(async () => {
    d = await seededDemo('mysql://root@127.0.0.1:1'); // nothing listens on port 1
  }, 180_000);
  afterAll(async () => {
    await d?.close();
  });

  it('keeps analytics on PostgreSQL, says so, and the erasure still passes on every engine there is', async () => {
    expect(d.urls.analytics).toMatch(/^postgres(ql)?:\/\//);
    expect(demoSystemsLine(d.t.deps.config)).toContain(
      'analytics on PostgreSQL (no MariaDB answered at 127.0.0.1:1 when the demo was seeded)',
    );
    await eraseSeededSubject(d);
  }, 240_000);
});

// Erasures running at the same time on one files dataset (issue 21's erasures in parallel, on issue
// 20's files engine). Each rewrite renames its own copy of a file into place, so two at once would
// bring back the subject the other had just erased — and that subject's verification may already
// have passed. Eight subjects erased concurrently through two sets of connections, each with its
// own in-process lock (as two worker processes would have) and the advisory lock on one database
// between them, must leave exactly the files the same eight erasures leave one after the other.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { createDb, type Db } from '../../server/db/knex';
import { advisoryExclusive } from '../../server/db/advisory-lock';
import { runErasure } from '../../server/erasure/execute';
import { planRequest } from '../../server/erasure/plan';
import { readManifest } from '../../server/systems/engines/files';
import { createConnections, inProcessExclusive, type Connections } from '../../server/systems/connections';
import type { Identity } from '../../server/erasure/types';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { fixtureDecide } from '../fixtures/decide';
import { memoryCheckpoints } from '../erasure/checkpoints';
import { NOW, scenarioPolicy } from './scenario';
import { filesMap } from './files-scenario';

const PEOPLE = 12;
const ERASED = [1, 2, 3, 4, 5, 6, 7, 8];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-files-concurrent-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const email = (i: number) => `person${i}@example.com`;
const phone = (i: number) => `+4477009001${String(i).padStart(2, '0')}`;
const identityOf = (i: number): Identity => ({ customer_id: [String(i)], email: [email(i)], phone: [phone(i)] });
// The same keys per subject in both runs, so hashed values come out the same.
const keysOf = (i: number) => ({
  hash: crypto.createHash('sha256').update(`hash-${i}`).digest(),
  pseudonym: crypto.createHash('sha256').update('pseudonym').digest(),
});

async function writeFiles(root: string): Promise<void> {
  const ids = Array.from({ length: PEOPLE }, (_, k) => k + 1);
  fs.mkdirSync(path.join(root, 'customers'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'customers/customers.csv'),
    'id,email,phone,name\r\n' + ids.map((i) => `${i},${email(i)},${phone(i)},"Person, ${i}"\r\n`).join(''),
  );
  fs.mkdirSync(path.join(root, 'contacts'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'contacts/contacts.jsonl'),
    ids
      .map((i) => JSON.stringify({ id: 100 + i, email: email(i), phone: null, alt_email: null, note: `contact ${i}` }))
      .join('\n') + '\n',
  );
  fs.mkdirSync(path.join(root, 'sales/orders'), { recursive: true });
  const json = path.join(root, 'orders.tmp.json');
  fs.writeFileSync(
    json,
    ids
      .flatMap((i) => [
        { id: 1000 + 2 * i, customer_id: i, billing_name: `Person ${i}`, total: i, placed_at: '2025-06-01 10:00:00' },
        { id: 1001 + 2 * i, customer_id: i, billing_name: `Person ${i}`, total: i, placed_at: '2012-01-15 09:30:00' },
      ])
      .map((o) => JSON.stringify(o))
      .join('\n') + '\n',
  );
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(
    `COPY (SELECT id::BIGINT AS id, customer_id::BIGINT AS customer_id, billing_name::VARCHAR AS billing_name, total::DECIMAL(10,2) AS total, placed_at::TIMESTAMP AS placed_at FROM read_json('${json}', format = 'newline_delimited') ORDER BY id) TO '${path.join(root, 'sales/orders/2026-11.parquet')}' (FORMAT parquet)`,
  );
  db.closeSync();
  instance.closeSync();
  fs.rmSync(json);
}

async function orderRows(root: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const rows = (
      await db.runAndReadAll(
        `SELECT CAST(id AS VARCHAR) AS id, CAST(customer_id AS VARCHAR) AS c, billing_name AS b, CAST(total AS VARCHAR) AS t, CAST(placed_at AS VARCHAR) AS p FROM read_parquet('${path.join(root, 'sales/orders/2026-11.parquet')}')`,
      )
    ).getRowObjectsJson();
    return rows.map((r) => JSON.stringify(r));
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const datamap = filesMap();
const plan = planRequest({ datamap, decide: fixtureDecide(scenarioPolicy), regulation: 'gdpr' });
const erase = (connections: Connections, i: number) =>
  runErasure(
    plan,
    { connections, identity: identityOf(i), keys: keysOf(i), now: NOW, reference: `request-${i}` },
    memoryCheckpoints(),
  );

describe('erasures at the same time on one files dataset', () => {
  let test: TestDatabase;
  let dbs: Db[];
  const sequential = path.join(tmp, 'sequential');
  const concurrent = path.join(tmp, 'concurrent');
  beforeAll(async () => {
    test = await createTestDatabase({ empty: true });
    dbs = [createDb(test.url, 3), createDb(test.url, 3)];
    await writeFiles(sequential);
    await writeFiles(concurrent);
  });
  afterAll(async () => {
    await Promise.all((dbs ?? []).map((d) => d.destroy()));
    await test?.drop();
  });

  it('leaves the files exactly as the same erasures one after the other do, every rewrite in the manifest', async () => {
    const one = createConnections(datamap, () => sequential);
    for (const i of ERASED) await erase(one, i);
    await one.destroy();

    // Two "worker processes": their own pools, their own in-process locks, one database between them.
    const workers = dbs.map((db) =>
      createConnections(datamap, () => concurrent, { exclusive: advisoryExclusive(db, inProcessExclusive()) }),
    );
    const outcomes = await Promise.all(ERASED.map((i, n) => erase(workers[n % 2], i)));
    await Promise.all(workers.map((w) => w.destroy()));
    expect(outcomes.every((o) => o.totals.rowsAffected > 0)).toBe(true);

    const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
    for (const rel of ['customers/customers.csv', 'contacts/contacts.jsonl'])
      expect(read(concurrent, rel)).toBe(read(sequential, rel));
    expect(await orderRows(concurrent)).toEqual(await orderRows(sequential));

    // Nobody erased is left, everybody else is.
    const customers = read(concurrent, 'customers/customers.csv');
    for (const i of ERASED) expect(customers).not.toContain(email(i));
    for (let i = ERASED.length + 1; i <= PEOPLE; i++) expect(customers).toContain(email(i));
    expect(read(concurrent, 'contacts/contacts.jsonl').trim().split('\n')).toHaveLength(PEOPLE - ERASED.length);

    // Every rewrite is in the lineage, none overwritten by another's manifest.
    const lineage = await readManifest(concurrent, {
      name: 'customers',
      glob: 'customers/customers.csv',
      format: 'csv',
    });
    expect(lineage!.lineage.map((l) => l.reference).sort()).toEqual(ERASED.map((i) => `request-${i}`).sort());
    expect(fs.readdirSync(path.join(concurrent, 'customers')).sort()).toEqual(['customers.csv', 'lethe-manifest.json']);
  });

  it('keeps callers of one key apart within a process, and lets other keys run alongside', async () => {
    const exclusive = inProcessExclusive();
    const log: string[] = [];
    const step = (key: string, name: string, ms: number) =>
      exclusive(key, async () => {
        log.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name}-`);
        return name;
      });
    const failing = exclusive('a', async () => {
      throw new Error('boom');
    });
    const results = await Promise.all([
      step('a', 'a1', 30),
      failing.catch((e: Error) => e.message),
      step('a', 'a2', 1),
      step('b', 'b1', 5),
    ]);
    expect(results).toEqual(['a1', 'boom', 'a2', 'b1']);
    // a2 starts only after a1 ended (and after the failure); b1 does not wait for a1.
    expect(log.indexOf('a2+')).toBeGreaterThan(log.indexOf('a1-'));
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'));
  });
});

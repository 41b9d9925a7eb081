// `lethe anonymize --table SYSTEM.TABLE`: the table of a registered PostgreSQL data system is read
// through the data map (connection string from the variable the map names), with the table's
// release kind as the default policy, and written anonymized to --out like a CSV would be.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { cliRunner } from '../support/cli';
import { seededRandom } from '../../bench/reid-generate';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-anonymize-table-'));
const policies = path.resolve('policies');
const TABLE = 'assistant.training_snapshot_2026_10'; // release_kind: training_snapshot (k 20, l 3, t 0.2)
const ROWS = 400;
const TOPICS = ['billing', 'login', 'shipping', 'refund', 'account'];

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase({ empty: true });
  await tdb.db.schema.createTable('training_snapshot_2026_10', (t) => {
    t.integer('id');
    t.integer('customer_id');
    t.text('text');
    t.date('birth_date');
    t.text('postal_code');
  });
  const random = seededRandom(16);
  await tdb.db('training_snapshot_2026_10').insert(
    Array.from({ length: ROWS }, (_, i) => ({
      id: i + 1,
      customer_id: 5000 + i,
      text: TOPICS[i % TOPICS.length],
      birth_date: `${1950 + Math.floor(random() * 50)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
      postal_code: String(80000 + Math.floor(random() * 400)),
    })),
  );
});
afterAll(async () => {
  await tdb?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const args = (out: string) => [
  'anonymize',
  '--table',
  TABLE,
  '--quasi',
  'birth_date,postal_code',
  '--sensitive',
  'text',
  '--rule',
  'birth_date=date:month,year,decade',
  '--rule',
  'postal_code=mask:1,2,3',
  '--policies',
  policies,
  '--out',
  out,
  '--json',
];

describe('lethe anonymize --table', () => {
  it("reads the table through the data map, meets its release kind's thresholds and writes the anonymized rows", async () => {
    const run = cliRunner({ ...process.env, ASSISTANT_DATABASE_URL: tdb.url });
    const out = path.join(dir, 'out.csv');
    const r = await run(args(out));
    expect(r.err).toBe('');
    const o = JSON.parse(r.out);
    expect(o.records).toBe(ROWS);
    // No --k/--l/--kind: the models are the table's release kind's (training_snapshot), not default's k = 5.
    expect(o.models.k).toBe(20);
    expect(o.models.l).toEqual({ variant: 'distinct', l: 3 });
    expect(o.before.passed).toBe(false);
    expect(o.after.k).toBeGreaterThanOrEqual(20);
    expect(o.released).toBe(true);
    expect(r.code).toBe(0);
    // The output: the data map's columns, the suppressed rows left out, no raw birth date or postal code.
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,customer_id,text,birth_date,postal_code');
    expect(lines.length - 1).toBe(ROWS - o.suppressed);
    const raw = await tdb.db('training_snapshot_2026_10').select('postal_code');
    const rawCodes = new Set(raw.map((x: { postal_code: string }) => x.postal_code));
    for (const line of lines.slice(1)) {
      const [, , , birth, postal] = line.split(',');
      expect(birth).not.toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(rawCodes.has(postal)).toBe(false);
    }
  });

  it('exits 1 with one line when the connection variable is unset, the table is unknown, or --file is given too', async () => {
    const env = { ...process.env };
    delete env.ASSISTANT_DATABASE_URL;
    const run = cliRunner(env);
    const out = path.join(dir, 'never.csv');
    const unset = await run(args(out));
    expect(unset.code).toBe(1);
    expect(unset.err).toBe(
      'lethe anonymize: data system assistant: set ASSISTANT_DATABASE_URL to its connection string\n',
    );
    const unknown = await run(args(out).map((a) => (a === TABLE ? 'assistant.nope' : a)));
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('lethe anonymize: assistant.nope is not a table of the data map\n');
    const both = await run([...args(out), '--file', path.join(dir, 'x.csv')]);
    expect(both.code).toBe(1);
    expect(both.err).toBe('lethe anonymize: give either --file or --table, not both\n');
    expect(fs.existsSync(out)).toBe(false);
  });
});

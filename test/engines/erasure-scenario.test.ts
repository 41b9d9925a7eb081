// The shared erasure scenario (scenario.ts) on every SQL engine: PostgreSQL and MariaDB/MySQL. The
// same discovery, preview, access export, erasure, rerun and verification must give the same answers,
// and a direct scan of every table afterwards (through the engine's own client, not Lethe's SQL) must
// find none of the subject's values outside the held table while every other row is unchanged.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createMysqlDatabase, type MysqlDatabase } from '../support/mysql';
import { createConnections, type Connections } from '../../server/systems/connections';
import { discoverIdentities, executeStep, runErasure } from '../../server/erasure/execute';
import { remainingByKeys } from '../../server/erasure/by-key';
import { previewRequest } from '../../server/erasure/preview';
import { exportSubject } from '../../server/erasure/export';
import { planRequest } from '../../server/erasure/plan';
import { recordSubjectValues } from '../../server/erasure/subject-values';
import { verifyErasure } from '../../server/erasure/verify';
import type { ErasurePlan, Identity, PlanStep } from '../../server/erasure/types';
import { fixtureDecide } from '../fixtures/decide';
import { memoryCheckpoints } from '../erasure/checkpoints';
import {
  createScenario,
  KEYS,
  NOW,
  ROWS,
  scenarioHold,
  scenarioMap,
  scenarioPolicy,
  SUBJECT,
  TAX_MASK,
  type SqlEngine,
} from './scenario';

type Scan = Map<string, Map<string, string>>; // table → key → canonical row

/** Canonical values: every column as text (NULL as null), in column order; dates as ISO strings. */
const canonical = (row: Record<string, unknown>) =>
  JSON.stringify(
    Object.entries(row).map(([k, v]) => [
      k,
      v === null ? null : v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? v.toString('hex') : String(v),
    ]),
  );
const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');

/** A whole address in text (not a longer one containing it): written independently of the engine's pattern. */
const holdsAddress = (text: string, email: string) =>
  new RegExp(`(^|[^a-z0-9._%+-])${email.replace(/[.+]/g, (c) => '\\' + c)}(?![a-z0-9-]|\\.[a-z0-9])`, 'i').test(text);
const holdsSubject = (cell: string | null) =>
  cell !== null &&
  (holdsAddress(cell, SUBJECT.email) ||
    holdsAddress(cell, SUBJECT.alt) ||
    cell.replace(/\D/g, '').includes('7700900123') ||
    cell === SUBJECT.token);

interface EngineEnv {
  url: string;
  /** Rows of a table through the engine's own client, ordered by key. */
  rows(table: string): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

async function postgresEnv(): Promise<EngineEnv> {
  const db: TestDatabase = await createTestDatabase({ empty: true });
  return {
    url: db.url,
    rows: async (t) => (await db.db.raw(`SELECT * FROM ${t} ORDER BY ${KEYS[t].join(', ')}`)).rows,
    drop: () => db.drop(),
  };
}

async function mysqlEnv(): Promise<EngineEnv> {
  const db: MysqlDatabase = await createMysqlDatabase();
  return {
    url: db.url,
    rows: async (t) =>
      (await db.exec(`SELECT * FROM ${t} ORDER BY ${KEYS[t].join(', ')}`)) as Record<string, unknown>[],
    drop: () => db.drop(),
  };
}

async function scan(env: EngineEnv): Promise<Scan> {
  const out: Scan = new Map();
  for (const table of Object.keys(ROWS)) {
    out.set(
      table,
      new Map((await env.rows(table)).map((r) => [KEYS[table].map((k) => String(r[k])).join('/'), canonical(r)])),
    );
  }
  return out;
}

const decide = fixtureDecide(scenarioPolicy);
const keys = { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) };

describe.each(['postgres', 'mysql'] as SqlEngine[])('the shared erasure scenario on %s', (engine) => {
  let env: EngineEnv;
  let connections: Connections;
  let before: Scan;
  let identity: Identity;
  let plan: ErasurePlan;
  let recorded: { keys: string[][]; mentions: Record<string, string[][]> };
  const datamap = scenarioMap(engine, 'SHOP_URL');
  beforeAll(async () => {
    env = engine === 'postgres' ? await postgresEnv() : await mysqlEnv();
    connections = createConnections(datamap, () => env.url);
    await createScenario(connections.get('shop'), engine);
    before = await scan(env);
    plan = planRequest({
      datamap,
      decide,
      regulation: 'gdpr',
      holds: { holds: [scenarioHold], subject: 'subject-fingerprint', now: NOW },
    });
  });
  afterAll(async () => {
    await connections?.destroy();
    await env?.drop();
  });

  it('discovers the identity through columns in either order, a phone written another way, and not the look-alikes', async () => {
    identity = await discoverIdentities({ datamap, connections, identity: { email: [SUBJECT.email.toUpperCase()] } });
    expect(identity).toEqual({ customer_id: ['1'], email: [SUBJECT.alt, SUBJECT.email], phone: [SUBJECT.phone] });
  });

  it('previews and exports the subject’s rows without changing anything', async () => {
    const preview = await previewRequest(plan, { connections, identity, now: NOW });
    const byTable = Object.fromEntries(
      preview.tables.map((t) => [t.dataset, [t.rowsMatched, t.rowsToDelete, t.rowsToUpdate, t.rowsKept]]),
    );
    expect(byTable).toMatchObject({
      customers: [1, 1, 0, 0],
      contacts: [3, 3, 0, 0],
      orders: [2, 1, 1, 1],
      order_lines: [3, 3, 0, 0],
      events: [2, 0, 2, 0],
      notes: [1, 1, 0, 0],
    });
    const pkg = await exportSubject({
      datamap,
      connections,
      identity,
      requestId: 'r-1',
      subjectFingerprint: 'fp',
      now: NOW,
    });
    const shop = pkg.json.systems.shop;
    expect(Object.fromEntries(Object.entries(shop).map(([t, v]) => [t, v.rows.length]))).toEqual({
      customers: 1,
      contacts: 3,
      orders: 2,
      order_lines: 3,
      tickets: 2,
      events: 2,
      notes: 1,
    });
    expect(shop.tickets.mentions).toEqual([
      { column: 'cc_email', key: { queue: 'support', ticket_no: 2 }, value: SUBJECT.email },
    ]);
    expect(shop.notes.mentions.map((m) => m.key)).toEqual([{ id: engine === 'postgres' ? '2' : 2 }]);
    expect(pkg.csv['shop.customers']).toContain(SUBJECT.email);
    expect(await scan(env)).toEqual(before);
  });

  it('erases: deletes, masks and clears under the exemption, hashes and pseudonymises in rows that stay, keeps the held table, and leaves every other row as it was', async () => {
    const values = await recordSubjectValues({ datamap, connections, identity });
    const held: { step: string; keys: string[][]; mentions: Record<string, string[][]> }[] = [];
    const cp = {
      ...memoryCheckpoints(),
      recordHeld: async (s: PlanStep, k: string[][], m: Record<string, string[][]>) =>
        void held.push({ step: s.key, keys: k, mentions: m }),
    };
    const outcome = await runErasure(plan, { connections, identity, keys, now: NOW }, cp);
    const counts = Object.fromEntries(
      Object.entries(outcome.results).map(([k, r]) => [
        k,
        [r.rowsDeleted, r.rowsUpdated, r.rowsKept, r.mentionsErased, r.rowsHeld ?? 0],
      ]),
    );
    expect(counts).toEqual({
      'shop.customers': [1, 0, 0, 0, 0],
      'shop.contacts': [3, 0, 0, 0, 0],
      'shop.orders': [1, 1, 1, 0, 0],
      'shop.order_lines': [3, 0, 0, 0, 0],
      'shop.tickets': [0, 0, 0, 0, 2],
      'shop.events': [0, 2, 0, 0, 0],
      'shop.notes': [1, 0, 0, 1, 0],
    });
    expect(outcome.results['shop.orders'].exemptions).toEqual([
      { exemption: 'tax_records', legalBasis: 'GDPR Art. 17(3)(b)', rows: 1 },
    ]);
    expect(held).toEqual([
      {
        step: 'shop.tickets',
        keys: [
          ['billing', '1'],
          ['support', '1'],
        ],
        mentions: { cc_email: [['support', '2']] },
      },
    ]);
    recorded = held[0];

    const after = await scan(env);
    // Direct scan: nothing of the subject's outside the held table.
    for (const [table, rows] of after) {
      if (table === 'tickets') continue;
      for (const [key, row] of rows)
        for (const [column, cell] of JSON.parse(row) as [string, string | null][])
          expect(holdsSubject(cell), `${table} ${key} ${column}`).toBe(false);
    }
    // Every row not the subject's (nor naming them) is unchanged, by the md5 of its canonical values.
    const touched: Record<string, string[]> = {
      customers: ['1'],
      contacts: ['10', '11', '14'],
      orders: ['100', '101'],
      order_lines: ['100/1', '100/2', '101/1'],
      events: ['1000', '1001'],
      notes: ['1', '2'],
      tickets: [],
    };
    for (const [table, rows] of before) {
      for (const [key, row] of rows)
        if (!touched[table].includes(key))
          expect(md5(after.get(table)!.get(key) ?? 'gone'), `${table} ${key}`).toBe(md5(row));
      for (const key of touched[table]) expect(after.get(table)!.get(key), `${table} ${key}`).not.toBe(rows.get(key));
    }
    const cells = (table: string, key: string) =>
      Object.fromEntries(JSON.parse(after.get(table)!.get(key)!) as [string, string | null][]);
    expect([...after.get('customers')!.keys()]).toEqual(['2', '3', '4']);
    expect([...after.get('order_lines')!.keys()]).toEqual(['102/1', '103/1']);
    expect(cells('orders', '100')).toMatchObject({ customer_id: null, billing_name: TAX_MASK, total: '12.50' });
    expect(after.get('orders')!.has('101')).toBe(false);
    const e0 = cells('events', '1000');
    const e1 = cells('events', '1001');
    expect(e0).toMatchObject({ ip: null, kind: 'login' });
    expect(e0.email).toMatch(/^[0-9a-f]{64}$/);
    expect(e0.token).toMatch(/^pseu_[0-9a-f]{24}$/);
    expect(e1.token).toBe(e0.token);
    expect(cells('notes', '2').body).toBe('Called [redacted] about order 100; joann.lee@example.com too.');

    const verification = await verifyErasure({
      datamap,
      connections,
      identity,
      values,
      decide,
      regulation: 'gdpr',
      now: NOW,
      held: new Map([['shop.tickets', plan.steps.find((s) => s.held)!.held!]]),
    });
    expect(verification).toMatchObject({ clean: true, remaining: [], problems: [] });
    expect(verification.held).toEqual([
      { system: 'shop', table: 'tickets', rows: 3, hold: 'dispute-7', legalBasis: 'GDPR Art. 17(3)(e)' },
    ]);
    expect(verification.exempt).toEqual([]);

    // A rerun with no checkpoints finds nothing left: every statement's guard holds.
    const again = await runErasure(plan, { connections, identity, keys, now: NOW }, memoryCheckpoints());
    expect(again.totals.rowsAffected).toBe(0);
    expect(await scan(env)).toEqual(after);
  });

  it('erases the held rows by their composite keys once the hold ends, without the identity', async () => {
    const before = await scan(env);
    const step = planRequest({ datamap, decide, regulation: 'gdpr' }).steps.find((s) => s.key === 'shop.tickets')!;
    expect(await remainingByKeys(step, connections, recorded.keys, NOW, recorded.mentions)).toBe(3);
    const result = await executeStep(
      step,
      { connections, identity: {}, keys, now: NOW },
      {},
      { keys: recorded.keys, mentionKeys: recorded.mentions },
    );
    expect([result.rowsDeleted, result.mentionsErased]).toEqual([2, 1]);
    expect(await remainingByKeys(step, connections, recorded.keys, NOW, recorded.mentions)).toBe(0);
    const tickets = (await scan(env)).get('tickets')!;
    expect([...tickets.keys()]).toEqual(['support/2']);
    const cc = Object.fromEntries(JSON.parse(tickets.get('support/2')!) as [string, string | null][]).cc_email;
    expect(cc).toMatch(/^[0-9a-f]{64}$/);
    expect(before.get('customers')).toEqual((await scan(env)).get('customers'));
  });
});

// The shared erasure scenario on `engine: files` (issue 20): the same discovery, preview, access
// export, erasure, rerun, verification and legal-hold follow-up as on PostgreSQL and MariaDB
// (erasure-scenario.test.ts), through the same engine functions, on CSV, JSONL and Parquet files.
// Afterwards a direct read of the files (plain text for CSV/JSONL, DuckDB for Parquet) finds none of
// the subject's values outside the held dataset; every other line keeps its bytes and every other
// Parquet row the md5 of its canonical values; a rerun changes nothing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { createConnections, type Connections } from '../../server/systems/connections';
import { discoverIdentities, executeStep, runErasure } from '../../server/erasure/execute';
import { previewRequest } from '../../server/erasure/preview';
import { remainingByKeys } from '../../server/erasure/by-key';
import { exportSubject } from '../../server/erasure/export';
import { planRequest } from '../../server/erasure/plan';
import { recordSubjectValues } from '../../server/erasure/subject-values';
import { verifyErasure } from '../../server/erasure/verify';
import { readManifest } from '../../server/systems/engines/files';
import type { ErasurePlan, Identity, PlanStep } from '../../server/erasure/types';
import { fixtureDecide } from '../fixtures/decide';
import { memoryCheckpoints } from '../erasure/checkpoints';
import { NOW, scenarioHold, scenarioPolicy, SUBJECT, TAX_MASK } from './scenario';
import { createFilesScenario, FILES, filesMap } from './files-scenario';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-files-scenario-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const decide = fixtureDecide(scenarioPolicy);
const keys = { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) };
const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const linesOf = (text: string) => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
const ORDERS_FILE = 'sales/orders/2026-11.parquet';

/** The Parquet snapshot's rows by id, each as the md5 of its canonical values (every value as text). */
async function orderRows(): Promise<Map<string, { md5: string; row: Record<string, string | null> }>> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const rows = (
      await db.runAndReadAll(
        `SELECT CAST(id AS VARCHAR) AS id, CAST(customer_id AS VARCHAR) AS customer_id, billing_name, CAST(total AS VARCHAR) AS total, CAST(placed_at AS VARCHAR) AS placed_at FROM read_parquet('${path.join(root, ORDERS_FILE)}')`,
      )
    ).getRowObjectsJson() as Record<string, string | null>[];
    return new Map(rows.map((r) => [String(r.id), { md5: md5(JSON.stringify(Object.entries(r))), row: r }]));
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/** Any trace of the subject in a text (whole addresses, the phone's digits, the token). */
const holdsSubject = (text: string) =>
  [SUBJECT.email, SUBJECT.alt].some((e) =>
    new RegExp(`(^|[^a-z0-9._%+-])${e.replace(/[.+]/g, (c) => '\\' + c)}(?![a-z0-9-]|\\.[a-z0-9])`, 'i').test(text),
  ) ||
  text.replace(/[^0-9\n]/g, '').includes('7700900123') ||
  text.includes(SUBJECT.token);

describe('the shared erasure scenario on files (CSV, JSONL, Parquet)', () => {
  let connections: Connections;
  let identity: Identity;
  let plan: ErasurePlan;
  let recorded: { keys: string[][]; mentions: Record<string, string[][]> };
  const datamap = filesMap();
  beforeAll(async () => {
    await createFilesScenario(root);
    connections = createConnections(datamap, () => root);
    plan = planRequest({
      datamap,
      decide,
      regulation: 'gdpr',
      holds: { holds: [scenarioHold], subject: 'subject-fingerprint', now: NOW },
    });
  });
  afterAll(() => connections?.destroy());

  it('plans one files step per dataset, the tickets held', () => {
    expect(plan.steps.map((s) => [s.key, s.files?.format, s.rowAction, Boolean(s.held)])).toEqual([
      ['shop.customers', 'csv', 'delete', false],
      ['shop.contacts', 'jsonl', 'delete', false],
      ['shop.orders', 'parquet', 'delete', false],
      ['shop.order_lines', 'csv', 'delete', false],
      ['shop.tickets', 'jsonl', 'delete', true],
      ['shop.events', 'jsonl', 'update', false],
      ['shop.notes', 'csv', 'delete', false],
    ]);
  });

  it('discovers the identity through columns in either order, a phone written another way, and not the look-alikes', async () => {
    identity = await discoverIdentities({ datamap, connections, identity: { email: [SUBJECT.email.toUpperCase()] } });
    expect(identity).toEqual({ customer_id: ['1'], email: [SUBJECT.alt, SUBJECT.email], phone: [SUBJECT.phone] });
  });

  it('previews and exports the subject’s records without changing a byte', async () => {
    const before = Object.fromEntries(Object.keys(FILES).map((f) => [f, read(f)]));
    const orders = await orderRows();
    const preview = await previewRequest(plan, { connections, identity, now: NOW });
    const byTable = Object.fromEntries(
      preview.tables.map((t) => [t.dataset, [t.rowsMatched, t.rowsToDelete, t.rowsToUpdate, t.rowsKept]]),
    );
    expect(byTable).toEqual({
      customers: [1, 1, 0, 0],
      contacts: [3, 3, 0, 0],
      orders: [2, 1, 1, 1],
      order_lines: [3, 3, 0, 0],
      tickets: [2, 0, 0, 0],
      events: [2, 0, 2, 0],
      notes: [1, 1, 0, 0],
    });
    expect(preview.tables.find((t) => t.dataset === 'notes')!.mentions).toEqual([
      { column: 'body', action: 'update', rows: 1 },
    ]);
    expect(preview.tables.find((t) => t.dataset === 'tickets')!.held).toMatchObject({ hold: 'dispute-7', rows: 2 });
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
      { column: 'cc_email', key: { queue: 'support', ticket_no: '2' }, value: SUBJECT.email },
    ]);
    expect(shop.notes.mentions.map((m) => m.key)).toEqual([{ id: '2' }]);
    expect(pkg.csv['shop.customers']).toContain(SUBJECT.email);
    expect(pkg.csv['shop.orders']).toContain('2025-06-01 10:00:00');
    for (const [f, text] of Object.entries(before)) expect(read(f), f).toBe(text);
    expect(await orderRows()).toEqual(orders);
  });

  it('erases: drops, masks and clears under the exemption, hashes and pseudonymises in records that stay, keeps the held dataset, and leaves every other line and row as it was', async () => {
    const before = Object.fromEntries(Object.keys(FILES).map((f) => [f, read(f)]));
    const ordersBefore = await orderRows();
    const values = await recordSubjectValues({ datamap, connections, identity });
    const held: { step: string; keys: string[][]; mentions: Record<string, string[][]> }[] = [];
    const cp = {
      ...memoryCheckpoints(),
      recordHeld: async (s: PlanStep, k: string[][], m: Record<string, string[][]>) =>
        void held.push({ step: s.key, keys: k, mentions: m }),
    };
    const outcome = await runErasure(plan, { connections, identity, keys, now: NOW, reference: 'req-files' }, cp);
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

    // Direct read: nothing of the subject's outside the held dataset, in any file.
    for (const f of Object.keys(FILES).filter((f) => !f.startsWith('support/')))
      for (const line of linesOf(read(f))) expect(holdsSubject(line), `${f}: ${line}`).toBe(false);
    const orders = await orderRows();
    for (const [id, { row }] of orders) expect(holdsSubject(JSON.stringify(row)), `order ${id}`).toBe(false);

    // Every other line keeps its bytes, in order; the changed ones are exactly the subject's.
    const kept = (f: string, drop: number[]) => linesOf(before[f]).filter((_, i) => !drop.includes(i));
    expect(linesOf(read('customers/customers.csv'))).toEqual(kept('customers/customers.csv', [1]));
    expect(linesOf(read('contacts/contacts.jsonl'))).toEqual(kept('contacts/contacts.jsonl', [0, 1, 5]));
    expect(linesOf(read('order_lines/lines.csv'))).toEqual(kept('order_lines/lines.csv', [1, 2, 3]));
    expect(read('support/tickets.jsonl')).toBe(before['support/tickets.jsonl']);
    const events = linesOf(read('logs/events.jsonl'));
    expect(events[2]).toBe(linesOf(before['logs/events.jsonl'])[2]);
    const [e0, e1] = events.slice(0, 2).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(e0).toMatchObject({ id: 1000, ip: null, kind: 'login' });
    expect(e0.email).toMatch(/^[0-9a-f]{64}$/);
    expect(e0.token).toMatch(/^pseu_[0-9a-f]{24}$/);
    expect(e1.token).toBe(e0.token);
    const notes = linesOf(read('notes/notes.csv'));
    expect(notes).toEqual([
      linesOf(before['notes/notes.csv'])[0],
      '2,bo.chan@example.com,Called [redacted] about order 100; joann.lee@example.com too.\n',
      linesOf(before['notes/notes.csv'])[3],
    ]);
    // Parquet: the other rows keep the md5 of their canonical values; the kept order is masked and unlinked.
    for (const id of ['102', '103']) expect(orders.get(id)!.md5, `order ${id}`).toBe(ordersBefore.get(id)!.md5);
    expect([...orders.keys()]).toEqual(['100', '102', '103']);
    expect(orders.get('100')!.row).toMatchObject({ customer_id: null, billing_name: TAX_MASK, total: '12.50' });

    // The manifest records each rewrite with the old and new hashes.
    const manifest = await readManifest(root, { name: 'orders', glob: 'sales/orders/*.parquet', format: 'parquet' });
    expect(manifest!.lineage).toEqual([
      expect.objectContaining({ reference: 'req-files', file: ORDERS_FILE, rowsBefore: 4, rowsAfter: 3 }),
    ]);
    expect(manifest!.files[0].sha256).toBe(
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(root, ORDERS_FILE)))
        .digest('hex'),
    );

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
    expect(verification.scanned.lines.find((l) => l.table === 'events')).toEqual({
      system: 'shop',
      table: 'events',
      columns: ['email', 'token', 'ip'],
      unmapped: [],
    });

    // A rerun with no checkpoints finds nothing left and writes nothing.
    const snapshot = Object.fromEntries(Object.keys(FILES).map((f) => [f, read(f)]));
    const parquetBytes = fs.readFileSync(path.join(root, ORDERS_FILE));
    const again = await runErasure(plan, { connections, identity, keys, now: NOW }, memoryCheckpoints());
    expect(again.totals.rowsAffected).toBe(0);
    // The job's rerun after a worker died between the rename and the checkpoint: nothing is written
    // again, and the step reports what the interrupted attempt did, from the manifest's lineage.
    const resumed = await runErasure(
      plan,
      { connections, identity, keys, now: NOW, reference: 'req-files' },
      memoryCheckpoints(),
    );
    expect(resumed.results['shop.customers']).toMatchObject({ rowsDeleted: 1, rowsUpdated: 0 });
    expect(resumed.results['shop.customers'].notes.join(' ')).toContain('resumed');
    for (const [f, text] of Object.entries(snapshot)) expect(read(f), f).toBe(text);
    expect(fs.readFileSync(path.join(root, ORDERS_FILE)).equals(parquetBytes)).toBe(true);
  });

  it('verification catches a record the erasure left behind', async () => {
    const file = path.join(root, 'logs/events.jsonl');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(
      file,
      text + `{"id":1003,"email":"${SUBJECT.email.toUpperCase()}","token":"x","ip":null,"kind":"late"}\n`,
    );
    const verification = await verifyErasure({
      datamap,
      connections,
      identity,
      decide,
      regulation: 'gdpr',
      now: NOW,
      held: new Map([['shop.tickets', plan.steps.find((s) => s.held)!.held!]]),
    });
    expect(verification.clean).toBe(false);
    expect(verification.remaining).toEqual([{ system: 'shop', table: 'events', column: 'email', rows: 1 }]);
    fs.writeFileSync(file, text);
  });

  it('erases the held records by their composite keys once the hold ends, without the identity', async () => {
    const before = read('support/tickets.jsonl');
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
    const lines = linesOf(read('support/tickets.jsonl'));
    expect(lines).toHaveLength(1);
    const t = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(t).toMatchObject({ queue: 'support', ticket_no: 2, requester_email: 'bo.chan@example.com' });
    expect(t.cc_email).toMatch(/^[0-9a-f]{64}$/);
    expect(lines[0]).not.toBe(linesOf(before)[2]);
  });
});

// The subject's values stored with blanks around them, on PostgreSQL and on MariaDB/MySQL: a tab or a
// trailing space from an import, a no-break space from a spreadsheet, an ideographic space. Every
// step matches exactly (so an index serves), which missed these rows: the erasure left them and
// verification, matching the same way, called the result clean. Verification now finds such a value
// by itself; its report sends the job to discovery with `spellings` on, which finds each value as
// the table spells it (and what those rows lead to), and to a second pass that erases those rows
// (server/erasure/second-pass.ts). Look-alikes (a longer value, a value inside another, blanks
// inside) must stay.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { createMysqlDatabase, type MysqlDatabase } from '../support/mysql';
import { createConnections, type Connections } from '../../server/systems/connections';
import { discoverIdentities, runErasure } from '../../server/erasure/execute';
import { planRequest } from '../../server/erasure/plan';
import { previewRequest } from '../../server/erasure/preview';
import { recordSubjectValues } from '../../server/erasure/subject-values';
import { verifyErasure } from '../../server/erasure/verify';
import { exec, identityMatch } from '../../server/erasure/sql';
import {
  addOutcomes,
  hasSpellings,
  secondPassCheckpoints,
  type SecondPassStore,
} from '../../server/erasure/second-pass';
import type { PlannedCounts } from '../../server/erasure/execute';
import { subjectRows, valuesInSubjectRows } from '../../server/erasure/files/scan';
import type { DataMap, DeletionPolicy, LegalHold, SourceRef } from '../../server/policies/types';
import type { Identity } from '../../server/erasure/types';
import { fixtureDecide } from '../fixtures/decide';
import { col, ds } from '../fixtures/demo-datamap';
import { memoryCheckpoints } from '../erasure/checkpoints';
import type { SqlEngine } from './scenario';

const source: SourceRef = { file: 'test/engines/padded-values.test.ts', line: 1, column: 1 };
const NOW = new Date('2026-12-02T12:00:00Z');
const NBSP = '\u00a0';
const IDEOGRAPHIC = '\u3000';

const ddl = (engine: SqlEngine) => [
  `CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(200), member_no varchar(40), name varchar(200))`,
  `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric(10,2))`,
  // A column in a single-byte character set on MariaDB: the regex still sees the no-break space.
  `CREATE TABLE loyalty (id bigint PRIMARY KEY, member_no varchar(40)${engine === 'mysql' ? ' CHARACTER SET latin1' : ''}, points int)`,
  `CREATE TABLE newsletter (id bigint PRIMARY KEY, email varchar(200), topic varchar(40))`,
];

const ROWS: Record<string, Record<string, unknown>[]> = {
  customers: [
    // The subject: found by the address they gave, stored with a tab, another case and a space.
    { id: 1, email: '\tAnn.Pad@Example.com ', member_no: 'M-0042', name: 'Ann Pad' },
    { id: 2, email: 'xann.pad@example.com', member_no: 'M-00420', name: 'Xan Pad' },
    { id: 3, email: 'ann.pad@example.com.au', member_no: 'M-0043', name: 'Ann Pad' },
  ],
  orders: [
    { id: 100, customer_id: 1, total: '12.50' },
    { id: 101, customer_id: 2, total: '5.00' },
  ],
  loyalty: [
    { id: 1, member_no: `M-0042${NBSP}`, points: 10 },
    { id: 2, member_no: ' M-0042', points: 20 },
    { id: 3, member_no: 'M-00420', points: 30 },
    { id: 4, member_no: 'M-0042x', points: 40 },
    { id: 5, member_no: 'M- 0042', points: 50 },
  ],
  newsletter: [
    { id: 1, email: `ann.pad@example.com${IDEOGRAPHIC}`, topic: 'news' },
    { id: 2, email: 'ann.pad@example.com', topic: 'offers' },
    { id: 3, email: ' bo@example.com', topic: 'news' },
    { id: 4, email: 'ann.pad@example.com.au ', topic: 'news' },
  ],
};

const datamap = (engine: SqlEngine): DataMap => ({
  systems: [
    {
      name: 'shop',
      description: 'a shop whose data came in through imports',
      connectionEnv: 'SHOP_URL',
      engine,
      models: [],
      source,
      datasets: [
        ds('customers', [
          col('id', ['user.unique_id'], 'customer_id'),
          col('email', ['user.contact.email'], 'email'),
          col('member_no', ['user.unique_id'], 'member_no'),
          col('name', ['user.name']),
        ]),
        ds(
          'orders',
          [col('id', ['system.operations']), col('customer_id', ['user.unique_id']), col('total', ['user.financial'])],
          {
            refs: [{ column: 'customer_id', to: 'customers.id' }],
          },
        ),
        ds('loyalty', [
          col('id', ['system.operations']),
          col('member_no', ['user.unique_id'], 'member_no'),
          col('points', ['user.behavior']),
        ]),
        ds('newsletter', [
          col('id', ['system.operations']),
          col('email', ['user.contact.email'], 'email'),
          col('topic', ['user.behavior']),
        ]),
      ],
    },
  ],
});

const policy: DeletionPolicy = {
  rules: [{ category: 'user', regulations: 'all', strategy: 'delete_row', reason: 'GDPR Art. 17(1)', source }],
  exemptions: [],
};
const decide = fixtureDecide(policy);
const keys = { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) };

describe.each(['postgres', 'mysql'] as SqlEngine[])('values stored with blanks around them, on %s', (engine) => {
  let pg: TestDatabase | undefined;
  let my: MysqlDatabase | undefined;
  let connections: Connections;
  let db: Knex;
  let identity: Identity;
  const map = datamap(engine);
  const ids = async (table: string) =>
    ((await db(table).select('id').orderBy('id')) as { id: unknown }[]).map((r) => Number(r.id));

  beforeAll(async () => {
    let url: string;
    if (engine === 'postgres') {
      pg = await createTestDatabase({ empty: true });
      url = pg.url;
    } else {
      my = await createMysqlDatabase();
      url = my.url;
    }
    connections = createConnections(map, () => url);
    db = connections.get('shop');
    for (const s of ddl(engine)) await db.raw(s);
    for (const [table, rows] of Object.entries(ROWS)) await db(table).insert(rows);
  });
  afterAll(async () => {
    await connections?.destroy();
    await pg?.drop();
    await my?.drop();
  });

  it('discovery matches exactly by default; with spellings on it finds each value as the tables spell it, and what the padded row links to', async () => {
    const given = { email: ['ann.pad@example.com'] };
    expect(await discoverIdentities({ datamap: map, connections, identity: given })).toEqual(given);
    identity = await discoverIdentities({ datamap: map, connections, identity: given, spellings: true });
    expect(identity).toEqual({
      customer_id: ['1'],
      email: ['ann.pad@example.com'],
      member_no: ['M-0042'],
      'spelled:email': ['\tAnn.Pad@Example.com ', `ann.pad@example.com${IDEOGRAPHIC}`],
      'spelled:member_no': [' M-0042', `M-0042${NBSP}`],
    });
    // The preview counts the subject's rows, and counts values by kind without the spellings.
    const plan = planRequest({ datamap: map, decide, regulation: 'gdpr' });
    const preview = await previewRequest(plan, { connections, identity, now: NOW });
    expect(Object.fromEntries(preview.tables.map((t) => [t.dataset, t.rowsToDelete]))).toEqual({
      customers: 1,
      orders: 1,
      loyalty: 2,
      newsletter: 2,
    });
    expect(preview.identity.counts).toEqual({ customer_id: 1, email: 1, member_no: 1 });
  });

  it('the first pass leaves the padded rows and verification says so; the second pass erases them, leaves the look-alikes, and verification calls it clean', async () => {
    // The erasure job's order (server/requests/run-erasure.ts): exact discovery, values, first pass, verification.
    const given = await discoverIdentities({ datamap: map, connections, identity: { email: ['ann.pad@example.com'] } });
    let values = await recordSubjectValues({ datamap: map, connections, identity: given });
    const plan = planRequest({ datamap: map, decide, regulation: 'gdpr' });
    const cp = memoryCheckpoints();
    const first = await runErasure(plan, { connections, identity: given, keys, now: NOW }, cp);
    expect(first.totals.rowsAffected).toBe(1); // newsletter 2, stored as given
    const verify = (id: Identity, v: Identity) =>
      verifyErasure({ datamap: map, connections, identity: id, values: v, decide, regulation: 'gdpr', now: NOW });
    const before = await verify(given, values);
    expect(before.clean).toBe(false);
    expect(before.remaining).toEqual([
      { system: 'shop', table: 'customers', column: 'email', rows: 1 },
      { system: 'shop', table: 'newsletter', column: 'email', rows: 1 },
    ]);
    expect(before.padded).toBe(2);

    const wider = await discoverIdentities({ datamap: map, connections, identity: given, spellings: true });
    expect(hasSpellings(wider)).toBe(true);
    expect(wider).toEqual(identity);
    values = await recordSubjectValues({ datamap: map, connections, identity: wider });
    // The store the job keeps in request_steps, in memory; the first attempt is killed after the
    // loyalty step's delete committed and before its result was added.
    const added: Record<string, number> = {};
    const planned = new Map<string, PlannedCounts>();
    let killed = false;
    const store: SecondPassStore = {
      add: async (key, r) => {
        if (key === 'shop.loyalty' && !killed) {
          killed = true;
          throw new Error('worker killed (test)');
        }
        added[key] = (added[key] ?? 0) + r.rowsDeleted;
        planned.delete(key);
      },
      markStarted: async (key, p) => void planned.set(key, p),
      started: async (key) => planned.get(key) ?? null,
    };
    const ctx = { connections, identity: wider, keys, now: NOW };
    await expect(runErasure(plan, ctx, secondPassCheckpoints(cp, store))).rejects.toThrow('worker killed');
    expect(await ids('loyalty')).toEqual([3, 4, 5]);
    // The rerun finds the loyalty rows gone and reports the counts the killed attempt stored: nothing lost, nothing twice.
    const second = await runErasure(plan, ctx, secondPassCheckpoints(cp, store));
    expect(added).toEqual({ 'shop.customers': 1, 'shop.orders': 1, 'shop.loyalty': 2, 'shop.newsletter': 1 });
    expect(second.results['shop.loyalty'].notes.some((n) => n.startsWith('resumed'))).toBe(true);
    // In the job the first pass's outcome comes back from its checkpoints with the killed attempt's
    // results added; here it is the first pass's own, and the rerun's steps before loyalty found nothing.
    const both = addOutcomes(plan, first, second);
    expect(both.results['shop.loyalty'].rowsDeleted).toBe(2);
    expect(both.results['shop.newsletter'].rowsDeleted).toBe(1 + second.results['shop.newsletter'].rowsDeleted);
    expect(first.totals.rowsAffected + Object.values(added).reduce((a, b) => a + b, 0)).toBe(6);
    expect(await ids('customers')).toEqual([2, 3]);
    expect(await ids('orders')).toEqual([101]);
    expect(await ids('loyalty')).toEqual([3, 4, 5]);
    expect(await ids('newsletter')).toEqual([3, 4]);
    expect(await verify(wider, values)).toMatchObject({ clean: true, remaining: [], problems: [], padded: 0 });
  });

  it('matches a value with a character outside ASCII exactly in a column of another character set', async () => {
    // MariaDB's BINARY on the latin1 column compared latin1 bytes with the bound UTF-8 ones: never equal.
    await db('loyalty').insert([
      { id: 7, member_no: 'Ø-0042', points: 70 },
      { id: 8, member_no: 'ø-0042', points: 80 },
    ]);
    const env = {
      system: 'shop',
      schema: await connections.schema('shop'),
      identity: { member_no: ['Ø-0042'] },
      now: NOW,
      dialect: connections.dialect('shop'),
    };
    const hit = identityMatch(env, 'loyalty', 'member_no', 'member_no');
    const { rows } = await exec(db, { sql: `SELECT id FROM loyalty WHERE ${hit.sql}`, bindings: hit.bindings });
    expect(rows.map((r) => Number(r.id))).toEqual([7]);
    await db('loyalty').whereIn('id', [7, 8]).delete();
  });

  it('verification finds a padded value by itself, without discovery’s spellings', async () => {
    await db('loyalty').insert({ id: 6, member_no: '\tM-0042\t', points: 60 });
    await db('newsletter').insert({ id: 5, email: `${NBSP}ANN.PAD@example.com`, topic: 'news' });
    const plain = Object.fromEntries(Object.entries(identity).filter(([k]) => !k.startsWith('spelled:')));
    const verification = await verifyErasure({
      datamap: map,
      connections,
      identity: plain,
      decide,
      regulation: 'gdpr',
      now: NOW,
    });
    expect(verification.clean).toBe(false);
    expect(verification.remaining).toEqual([
      { system: 'shop', table: 'loyalty', column: 'member_no', rows: 1 },
      { system: 'shop', table: 'newsletter', column: 'email', rows: 1 },
    ]);
    expect(verification.padded).toBe(2);
    // Under a legal hold the row is held, not remaining, and still counted as padded: the job's second
    // pass records its key for the follow-up (the first pass's exact match never did).
    const hold = { hold: 'audit-9', caseReference: 'CASE-9', legalBasis: 'GDPR Art. 17(3)(e)', expires: null };
    const held = await verifyErasure({
      datamap: map,
      connections,
      identity: plain,
      decide,
      regulation: 'gdpr',
      now: NOW,
      held: new Map([['shop.loyalty', hold]]),
    });
    expect(held.remaining).toEqual([{ system: 'shop', table: 'newsletter', column: 'email', rows: 1 }]);
    expect(held.held).toEqual([
      { system: 'shop', table: 'loyalty', rows: 1, hold: 'audit-9', legalBasis: 'GDPR Art. 17(3)(e)' },
    ]);
    expect(held.padded).toBe(2);
  });
});

describe('values stored with blanks around them, in files', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-padded-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('discovery and the access export read the subject’s rows whatever blanks JavaScript trims surround the value', async () => {
    fs.mkdirSync(path.join(root, 'crm'));
    fs.writeFileSync(
      path.join(root, 'crm/customers.csv'),
      'customer_no,email,name\n"\tC-7 ",ann.pad@example.com,Ann\nC-70,bo@example.com,Bo\n"C- 7",cy@example.com,Cy\n',
    );
    fs.writeFileSync(
      path.join(root, 'crm/more.jsonl'),
      [
        { customer_no: 'C-8', email: `${NBSP}ANN.PAD@example.com\ufeff`, name: 'Ann' },
        { customer_no: 'C-9', email: 'ann.pad@example.com.au', name: 'Not Ann' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const owners = [
      { column: 'customer_no', kind: 'customer_no' },
      { column: 'email', kind: 'email' },
    ];
    const csv = { name: 'customers', glob: 'crm/*.csv', format: 'csv' as const };
    const jsonl = { name: 'more', glob: 'crm/*.jsonl', format: 'jsonl' as const };
    expect(await valuesInSubjectRows(root, csv, owners, owners, { customer_no: ['C-7'] })).toEqual({
      customer_no: ['C-7'],
      email: ['ann.pad@example.com'],
    });
    expect(await valuesInSubjectRows(root, jsonl, owners, owners, { email: ['ann.pad@example.com'] })).toEqual({
      customer_no: ['C-8'],
      email: [`ANN.PAD@example.com`],
    });
    const rows = await subjectRows(root, jsonl, owners, { email: ['ann.pad@example.com'] });
    expect(rows.flatMap((f) => f.rows.map((r) => r.customer_no))).toEqual(['C-8']);
  });
});

describe('values stored with blanks around them, in a table under a legal hold', () => {
  let pg: TestDatabase;
  let connections: Connections;
  let db: Knex;
  const map = datamap('postgres');
  const hold: LegalHold = {
    name: 'audit-9',
    caseReference: 'CASE-9',
    dataset: 'shop.loyalty',
    legalBasis: { gdpr: 'GDPR Art. 17(3)(e)' },
    reason: 'loyalty audit',
    source,
  };
  beforeAll(async () => {
    pg = await createTestDatabase({ empty: true });
    connections = createConnections(map, () => pg.url);
    db = connections.get('shop');
    for (const s of ddl('postgres')) await db.raw(s);
    for (const [table, rows] of Object.entries(ROWS)) await db(table).insert(rows);
  });
  afterAll(async () => {
    await connections?.destroy();
    await pg?.drop();
  });

  it('the second pass records the held rows’ keys for the follow-up and writes nothing there', async () => {
    const plan = planRequest({
      datamap: map,
      decide,
      regulation: 'gdpr',
      holds: { holds: [hold], subject: 'fp', now: NOW },
    });
    const heldKeys: string[][] = [];
    const cp = {
      ...memoryCheckpoints(),
      recordHeld: async (_s: unknown, keys: string[][]) => void heldKeys.push(...keys),
    };
    const loyalty = async () => (await db('loyalty').orderBy('id')) as Record<string, unknown>[];
    const before = await loyalty();
    const given = await discoverIdentities({ datamap: map, connections, identity: { email: ['ann.pad@example.com'] } });
    await runErasure(plan, { connections, identity: given, keys, now: NOW }, cp);
    const wider = await discoverIdentities({ datamap: map, connections, identity: given, spellings: true });
    const second = await runErasure(
      plan,
      { connections, identity: wider, keys, now: NOW },
      secondPassCheckpoints(cp, { add: async () => undefined }),
    );
    expect(second.results['shop.loyalty']).toMatchObject({ rowsAffected: 0, rowsHeld: 2 });
    expect(heldKeys.map((k) => k[0]).sort()).toEqual(['1', '2']);
    expect(await loyalty()).toEqual(before);
  });
});

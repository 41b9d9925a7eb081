// The erasure scenario every engine must pass (issue 20): the same tables, rows, data map, policy and
// legal hold on PostgreSQL and on MariaDB. It covers identity columns in every order (email then
// phone, phone then email, an alternative address), a composite primary key, an exemption that keeps
// recent orders with the name masked and the customer link cleared, a legal hold on a table with a
// composite key, hashing, pseudonymising and nulling in rows that stay, and other people's rows that
// name the subject (a cc column, free text). The checks (erasure-scenario.test.ts) read the tables
// directly, not through the engine.
import type { Knex } from 'knex';
import type { DataMap, DataSystem, DeletionPolicy, LegalHold, SourceRef } from '../../server/policies/types';
import { col, ds } from '../fixtures/demo-datamap';

const source: SourceRef = { file: 'test/engines/scenario.ts', line: 1, column: 1 };
export type SqlEngine = 'postgres' | 'mysql';

const ddl = (engine: SqlEngine) => {
  const text = engine === 'postgres' ? 'text' : 'longtext';
  const ts = engine === 'postgres' ? 'timestamp' : 'datetime';
  return [
    `CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(200) NOT NULL, phone varchar(40), name varchar(200) NOT NULL)`,
    // Identity columns in the other order (phone first), an alternative address, then the main one.
    `CREATE TABLE contacts (id bigint PRIMARY KEY, phone varchar(40), alt_email varchar(200), email varchar(200), note varchar(200))`,
    `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers(id), billing_name varchar(200), total numeric(10,2) NOT NULL, placed_at ${ts} NOT NULL)`,
    `CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders(id), line_no int NOT NULL, product varchar(100) NOT NULL, PRIMARY KEY (order_id, line_no))`,
    `CREATE TABLE tickets (queue varchar(20) NOT NULL, ticket_no int NOT NULL, requester_email varchar(200), cc_email varchar(200), subject varchar(200), PRIMARY KEY (queue, ticket_no))`,
    `CREATE TABLE events (id bigint PRIMARY KEY, email varchar(200), token varchar(64), ip varchar(45), kind varchar(40) NOT NULL)`,
    `CREATE TABLE notes (id bigint PRIMARY KEY, author_email varchar(200), body ${text})`,
  ];
};

export const SUBJECT = {
  email: 'ann.lee@example.com',
  alt: 'ann.l@example.org',
  phone: '+447700900123',
  name: 'Ann Lee',
  token: 'tok-ann-1',
};

/** Rows: the subject (customer 1) and three other people (2, 3 and 4, whose email differs from Ann's only in case and suffix). */
export const ROWS: Record<string, Record<string, unknown>[]> = {
  customers: [
    { id: 1, email: SUBJECT.email, phone: SUBJECT.phone, name: SUBJECT.name },
    { id: 2, email: 'bo.chan@example.com', phone: '+447700900456', name: 'Bo Chan' },
    { id: 3, email: 'joann.lee@example.com', phone: null, name: 'Joann Lee' },
    { id: 4, email: 'ANN.LEE@example.com.au', phone: '+61400000000', name: 'Ann Lee' },
  ],
  contacts: [
    {
      id: 10,
      phone: '+44 7700 900123',
      alt_email: null,
      email: null,
      note: 'found by phone only, written another way',
    },
    { id: 11, phone: null, alt_email: SUBJECT.alt, email: null, note: 'found by the alternative address only' },
    { id: 12, phone: '+447700900456', alt_email: 'bo@example.net', email: 'bo.chan@example.com', note: 'Bo' },
    { id: 13, phone: null, alt_email: 'Ann.L@example.org.uk', email: null, note: 'a look-alike' },
    {
      id: 14,
      phone: null,
      alt_email: SUBJECT.alt,
      email: SUBJECT.email,
      note: 'links the main address to the alternative one',
    },
  ],
  orders: [
    { id: 100, customer_id: 1, billing_name: SUBJECT.name, total: '12.50', placed_at: '2025-06-01 10:00:00' },
    { id: 101, customer_id: 1, billing_name: SUBJECT.name, total: '99.00', placed_at: '2012-01-15 09:30:00' },
    { id: 102, customer_id: 2, billing_name: 'Bo Chan', total: '5.00', placed_at: '2025-07-01 12:00:00' },
    { id: 103, customer_id: 4, billing_name: 'Ann Lee', total: '7.00', placed_at: '2024-01-01 08:00:00' },
  ],
  order_lines: [
    { order_id: 100, line_no: 1, product: 'tea' },
    { order_id: 100, line_no: 2, product: 'cups' },
    { order_id: 101, line_no: 1, product: 'kettle' },
    { order_id: 102, line_no: 1, product: 'tea' },
    { order_id: 103, line_no: 1, product: 'mugs' },
  ],
  tickets: [
    { queue: 'billing', ticket_no: 1, requester_email: SUBJECT.email, cc_email: null, subject: 'refund please' },
    {
      queue: 'support',
      ticket_no: 1,
      requester_email: SUBJECT.alt,
      cc_email: 'bo.chan@example.com',
      subject: 'broken kettle',
    },
    {
      queue: 'support',
      ticket_no: 2,
      requester_email: 'bo.chan@example.com',
      cc_email: SUBJECT.email,
      subject: 'order 102',
    },
  ],
  events: [
    { id: 1000, email: SUBJECT.email, token: SUBJECT.token, ip: '203.0.113.7', kind: 'login' },
    { id: 1001, email: SUBJECT.alt, token: SUBJECT.token, ip: '203.0.113.8', kind: 'purchase' },
    { id: 1002, email: 'bo.chan@example.com', token: 'tok-bo', ip: '198.51.100.1', kind: 'login' },
  ],
  notes: [
    { id: 1, author_email: SUBJECT.email, body: 'my own note' },
    {
      id: 2,
      author_email: 'bo.chan@example.com',
      body: `Called ${SUBJECT.email} about order 100; joann.lee@example.com too.`,
    },
    { id: 3, author_email: 'bo.chan@example.com', body: 'Nothing about anyone (joann.lee@example.com).' },
  ],
};

/** Primary keys per table, for the direct scans. */
export const KEYS: Record<string, string[]> = {
  customers: ['id'],
  contacts: ['id'],
  orders: ['id'],
  order_lines: ['order_id', 'line_no'],
  tickets: ['queue', 'ticket_no'],
  events: ['id'],
  notes: ['id'],
};

export async function createScenario(db: Knex, engine: SqlEngine): Promise<void> {
  for (const s of ddl(engine)) await db.raw(s);
  for (const [table, rows] of Object.entries(ROWS)) await db(table).insert(rows);
}

export function scenarioSystem(engine: SqlEngine, connectionEnv: string): DataSystem {
  const ops = ['system.operations'];
  return {
    name: 'shop',
    description: 'the scenario shop',
    connectionEnv,
    engine,
    models: [],
    source,
    datasets: [
      ds('customers', [
        col('id', ['user.unique_id'], 'customer_id'),
        col('email', ['user.contact.email'], 'email'),
        col('phone', ['user.contact.phone_number'], 'phone'),
        col('name', ['user.name']),
      ]),
      ds('contacts', [
        col('id', ops),
        col('phone', ['user.contact.phone_number'], 'phone'),
        col('alt_email', ['user.contact.email'], 'email'),
        col('email', ['user.contact.email'], 'email'),
        col('note', ['user.content']),
      ]),
      ds(
        'orders',
        [
          col('id', ops),
          col('customer_id', ['user.unique_id']),
          col('billing_name', ['user.name']),
          col('total', ['user.financial']),
          col('placed_at', ops),
        ],
        {
          refs: [{ column: 'customer_id', to: 'customers.id' }],
        },
      ),
      ds('order_lines', [col('order_id', ops), col('line_no', ops), col('product', ['user.behavior.purchase'])], {
        refs: [{ column: 'order_id', to: 'orders.id' }],
        primaryKey: ['order_id', 'line_no'],
      }),
      ds(
        'tickets',
        [
          col('queue', ops),
          col('ticket_no', ops),
          col('requester_email', ['user.contact.email'], 'email'),
          { name: 'cc_email', categories: ['user.contact.email'], mentions: 'email' },
          col('subject', ['user.content']),
        ],
        {
          primaryKey: ['queue', 'ticket_no'],
        },
      ),
      ds('events', [
        col('id', ops),
        col('email', ['user.contact.email'], 'email'),
        col('token', ['user.unique_id.pseudonymous']),
        col('ip', ['user.device.ip_address']),
        col('kind', ops),
      ]),
      ds('notes', [
        col('id', ops),
        col('author_email', ['user.contact.email'], 'email'),
        col('body', ['user.content']),
      ]),
    ],
  };
}

export const scenarioMap = (engine: SqlEngine, env: string): DataMap => ({ systems: [scenarioSystem(engine, env)] });

export const TAX_MASK = '[redacted]';

/**
 * Customers, contacts, tickets and notes go (user → delete_row); events stay with the email hashed,
 * the token pseudonymised and the IP nulled; orders placed within ten years stay (tax) with the
 * billing name masked and the customer link cleared, and their lines with them are deleted.
 */
export const scenarioPolicy: DeletionPolicy = {
  rules: [
    { category: 'user', regulations: 'all', strategy: 'delete_row', reason: 'GDPR Art. 17(1)', source },
    {
      category: 'user.contact.email',
      regulations: 'all',
      strategy: 'hash',
      reason: 'hashed where the row stays',
      source,
    },
    {
      category: 'user.unique_id.pseudonymous',
      regulations: 'all',
      strategy: 'pseudonymize',
      reason: 'event counts per pseudonym',
      source,
    },
    { category: 'user.device', regulations: 'all', strategy: 'null', reason: 'not needed', source },
  ],
  exemptions: [
    {
      name: 'tax_records',
      datasets: ['shop.orders'],
      categories: [],
      regulations: ['gdpr'],
      legalBasis: 'GDPR Art. 17(3)(b)',
      keepFor: 'P10Y',
      from: 'placed_at',
      erase: [
        { category: 'user.name', strategy: 'mask', maskValue: TAX_MASK },
        { category: 'user.unique_id', strategy: 'null' },
      ],
      reason: 'orders are kept ten years for the tax authority',
      source,
    },
  ],
};

/** A legal hold on the tickets (composite key): nothing written there, the subject's rows recorded by key. */
export const scenarioHold: LegalHold = {
  name: 'dispute-7',
  caseReference: 'CASE-7',
  dataset: 'shop.tickets',
  legalBasis: { gdpr: 'GDPR Art. 17(3)(e)' },
  reason: 'pending dispute',
  source,
};

export const NOW = new Date('2026-11-30T12:00:00Z');

// Erasure on each SQL engine against its own bare SQL (issue 20): the shared scenario's schema
// (test/engines/scenario.ts, without the free-text and held tables) at ENGINES_BENCH_CUSTOMERS
// customers, on PostgreSQL and on MariaDB/MySQL, REQUESTS erasures one after another through
// discoverIdentities → recordSubjectValues → planRequest → runErasure, and the same subjects erased
// by hand-written statements on an identical copy. Afterwards both copies must hold the same rows
// (md5 of every row's canonical values). Target: Lethe within 2 × its engine's bare SQL. Figures go to
// BENCHMARKS.md (## Erasure on other engines). MariaDB is skipped (and said so) when it does not answer.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createConnections } from '../server/systems/connections';
import { discoverIdentities, runErasure } from '../server/erasure/execute';
import { planRequest } from '../server/erasure/plan';
import { recordSubjectValues } from '../server/erasure/subject-values';
import { hashValue, pseudonymize, REDACTED } from '../server/erasure/strategies';
import { escapeLike, escapeRegex } from '../server/erasure/sql';
import type { DataMap } from '../server/policies/types';
import { fixtureDecide } from '../test/fixtures/decide';
import { memoryCheckpoints } from '../test/erasure/checkpoints';
import { scenarioSystem, scenarioPolicy, TAX_MASK, type SqlEngine } from '../test/engines/scenario';

const CUSTOMERS = Number(process.env.ENGINES_BENCH_CUSTOMERS ?? 20_000);
const REQUESTS = Number(process.env.ENGINES_BENCH_REQUESTS ?? 200);
const RUNS = Number(process.env.ENGINES_BENCH_RUNS ?? 3);
const NOW = new Date('2026-11-30T12:00:00Z');
const pgAdmin = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const myAdmin = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const TABLES = ['customers', 'contacts', 'orders', 'order_lines', 'events'];
const KEYS: Record<string, string> = {
  customers: 'id',
  contacts: 'id',
  orders: 'id',
  order_lines: 'order_id, line_no',
  events: 'id',
};
const decide = fixtureDecide(scenarioPolicy);

const datamap = (engine: SqlEngine): DataMap => {
  const s = scenarioSystem(engine, 'BENCH_URL');
  return { systems: [{ ...s, datasets: s.datasets.filter((d) => TABLES.includes(d.name)) }] };
};

const ddl = (engine: SqlEngine) => [
  `CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(200) NOT NULL, phone varchar(40), name varchar(200) NOT NULL)`,
  `CREATE TABLE contacts (id bigint PRIMARY KEY, phone varchar(40), alt_email varchar(200), email varchar(200), note varchar(200))`,
  `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers(id), billing_name varchar(200), total numeric(10,2) NOT NULL, placed_at ${engine === 'postgres' ? 'timestamp' : 'datetime'} NOT NULL)`,
  `CREATE TABLE order_lines (order_id bigint NOT NULL REFERENCES orders(id), line_no int NOT NULL, product varchar(100) NOT NULL, PRIMARY KEY (order_id, line_no))`,
  `CREATE TABLE events (id bigint PRIMARY KEY, email varchar(200), token varchar(64), ip varchar(45), kind varchar(40) NOT NULL)`,
  // The indexes a DBA would have for these lookups (both sides use them).
  ...(engine === 'postgres'
    ? [
        'CREATE INDEX ON customers (lower(email))',
        'CREATE INDEX ON customers (phone)',
        'CREATE INDEX ON contacts (phone)',
        'CREATE INDEX ON contacts (lower(alt_email))',
        'CREATE INDEX ON contacts (lower(email))',
        'CREATE INDEX ON orders (customer_id)',
        'CREATE INDEX ON events (lower(email))',
      ]
    : [
        'CREATE INDEX c_email ON customers (email)',
        'CREATE INDEX c_phone ON customers (phone)',
        'CREATE INDEX k_phone ON contacts (phone)',
        'CREATE INDEX k_alt ON contacts (alt_email)',
        'CREATE INDEX k_email ON contacts (email)',
        'CREATE INDEX e_email ON events (email)',
      ]),
];

const email = (i: number) => `person${i}@example.com`;
const alt = (i: number) => `p${i}@example.org`;
const phone = (i: number) => `+4477009${String(i).padStart(5, '0')}`;

async function seed(db: Knex, engine: SqlEngine): Promise<void> {
  for (const s of ddl(engine)) await db.raw(s);
  const batch = async (table: string, rows: Record<string, unknown>[]) => {
    for (let k = 0; k < rows.length; k += 1000) await db(table).insert(rows.slice(k, k + 1000));
  };
  const ids = Array.from({ length: CUSTOMERS }, (_, k) => k + 1);
  await batch(
    'customers',
    ids.map((i) => ({ id: i, email: email(i), phone: phone(i), name: `Person ${i}` })),
  );
  await batch(
    'contacts',
    ids.flatMap((i) => [
      { id: 3 * i, phone: phone(i).replace(/^\+44(\d{4})/, '+44 $1 '), alt_email: null, email: null, note: 'by phone' },
      { id: 3 * i + 1, phone: null, alt_email: alt(i), email: null, note: 'by alt' },
      { id: 3 * i + 2, phone: null, alt_email: alt(i), email: email(i), note: 'link' },
    ]),
  );
  await batch(
    'orders',
    ids.flatMap((i) => [
      { id: 2 * i, customer_id: i, billing_name: `Person ${i}`, total: '10.00', placed_at: '2025-06-01 10:00:00' },
      { id: 2 * i + 1, customer_id: i, billing_name: `Person ${i}`, total: '20.00', placed_at: '2012-01-01 10:00:00' },
    ]),
  );
  await batch(
    'order_lines',
    ids.flatMap((i) =>
      [2 * i, 2 * i + 1].flatMap((o) => [
        { order_id: o, line_no: 1, product: 'tea' },
        { order_id: o, line_no: 2, product: 'cups' },
      ]),
    ),
  );
  await batch(
    'events',
    ids.flatMap((i) => [
      { id: 2 * i, email: email(i), token: `tok-${i}`, ip: '203.0.113.7', kind: 'login' },
      { id: 2 * i + 1, email: alt(i), token: `tok-${i}`, ip: '203.0.113.8', kind: 'purchase' },
    ]),
  );
  // Statistics, as a running database has them (both copies, before either side starts).
  for (const t of TABLES) await db.raw(engine === 'postgres' ? `ANALYZE ${t}` : `ANALYZE TABLE ${t}`);
}

/** The statements a DBA would write for subject i, in one transaction. */
async function bare(db: Knex, engine: SqlEngine, i: number, keys: { hash: Buffer; pseudonym: Buffer }): Promise<void> {
  await db.transaction(async (t) => {
    const [c] =
      engine === 'postgres'
        ? (await t.raw('SELECT id, phone FROM customers WHERE lower(email) = ?', [email(i)])).rows
        : (await t.raw('SELECT id, phone FROM customers WHERE email = ?', [email(i)]))[0];
    const alts = (
      engine === 'postgres'
        ? (await t.raw('SELECT alt_email FROM contacts WHERE lower(email) = ?', [email(i)])).rows
        : (await t.raw('SELECT alt_email FROM contacts WHERE email = ?', [email(i)]))[0]
    ).map((r: { alt_email: string }) => r.alt_email);
    const emails = [email(i), ...alts];
    const phones = [c.phone, c.phone.replace(/^\+44(\d{4})/, '+44 $1 ')];
    const recent = engine === 'postgres' ? `placed_at + interval '10 years' > ?` : `placed_at + INTERVAL 10 YEAR > ?`;
    await t.raw('DELETE FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE customer_id = ?)', [c.id]);
    await t.raw(`UPDATE orders SET billing_name = ?, customer_id = NULL WHERE customer_id = ? AND ${recent}`, [
      TAX_MASK,
      c.id,
      NOW,
    ]);
    await t.raw('DELETE FROM orders WHERE customer_id = ?', [c.id]);
    await t.raw(
      `DELETE FROM contacts WHERE phone IN (?, ?) OR alt_email IN (${emails.map(() => '?').join(', ')}) OR email IN (${emails.map(() => '?').join(', ')})`,
      [...phones, ...emails, ...emails],
    );
    // contacts.note is free text (user.content): other people's notes naming the subject's addresses
    // lose the address, as the deletion policy says (the bench's notes name nobody, but a DBA following
    // the policy still has to look).
    const likes = emails.map(() => (engine === 'postgres' ? 'note ILIKE ?' : 'lower(note) LIKE ?')).join(' OR ');
    const re = emails.map(escapeRegex).join('|');
    await t.raw(
      engine === 'postgres'
        ? `UPDATE contacts SET note = regexp_replace(note, ?, ?, 'gi') WHERE ${likes}`
        : `UPDATE contacts SET note = REGEXP_REPLACE(note, ?, ?) WHERE ${likes}`,
      [re, REDACTED, ...emails.map((e) => `%${escapeLike(e.toLowerCase())}%`)],
    );
    const hashed = Object.fromEntries(emails.map((e) => [e, hashValue(keys.hash, e)]));
    const token = pseudonymize(keys.pseudonym, `tok-${i}`);
    for (const e of emails)
      await t.raw(`UPDATE events SET email = ?, token = ?, ip = NULL WHERE email = ?`, [hashed[e], token, e]);
    await t.raw('DELETE FROM customers WHERE id = ?', [c.id]);
  });
}

interface Side {
  totalMs: number;
  p50: number;
  p95: number;
}
const summarise = (ms: number[]): Side => {
  const s = [...ms].sort((a, b) => a - b);
  return {
    totalMs: ms.reduce((a, b) => a + b, 0),
    p50: s[Math.floor(s.length / 2)],
    p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))],
  };
};

interface Database {
  url: string;
  drop(): Promise<void>;
}

async function createDatabase(engine: SqlEngine, name: string): Promise<Database> {
  if (engine === 'postgres') {
    const c = new pg.Client({ connectionString: pgAdmin });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    return {
      url: pgAdmin.replace(/\/[^/]*$/, '/' + name),
      drop: async () => {
        const d = new pg.Client({ connectionString: pgAdmin });
        await d.connect();
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await d.end();
      },
    };
  }
  const u = new URL(myAdmin);
  const conn = () =>
    mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username) || 'root',
      password: decodeURIComponent(u.password),
    });
  const c = await conn();
  await c.query(`DROP DATABASE IF EXISTS ${name}`);
  await c.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  await c.end();
  return {
    url: `${myAdmin.replace(/\/$/, '')}/${name}`,
    drop: async () => {
      const d = await conn();
      await d.query(`DROP DATABASE IF EXISTS ${name}`);
      await d.end();
    },
  };
}

async function digest(db: Knex): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const rows = (await db.select('*').from(t).orderByRaw(KEYS[t])) as Record<string, unknown>[];
    const h = crypto.createHash('md5');
    for (const r of rows)
      h.update(
        JSON.stringify(
          Object.values(r).map((v) => (v === null ? null : v instanceof Date ? v.toISOString() : String(v))),
        ),
      );
    out[t] = `${rows.length}:${h.digest('hex')}`;
  }
  return out;
}

async function mysqlAnswers(): Promise<boolean> {
  const u = new URL(myAdmin);
  try {
    const c = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username) || 'root',
      password: decodeURIComponent(u.password),
      connectTimeout: 2000,
    });
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function runEngine(engine: SqlEngine) {
  const map = datamap(engine);
  const ids = Array.from({ length: REQUESTS }, (_, k) => 1 + Math.floor((k * CUSTOMERS) / REQUESTS));
  const runs: { lethe: Side; bare: Side; ratio: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    const keys = {
      hash: crypto.createHash('sha256').update(`h${r}`).digest(),
      pseudonym: crypto.createHash('sha256').update(`p${r}`).digest(),
    };
    const [a, b] = [
      await createDatabase(engine, 'lethe_bench_eng_lethe'),
      await createDatabase(engine, 'lethe_bench_eng_bare'),
    ];
    const ca = createConnections(map, () => a.url, { poolMax: 2 });
    const cb = createConnections(map, () => b.url, { poolMax: 2 });
    try {
      await seed(ca.get('shop'), engine);
      await seed(cb.get('shop'), engine);
      const lethe: number[] = [];
      const phases = { discover: 0, record: 0, erase: 0 };
      const bareMs: number[] = [];
      const runLethe = async () => {
        for (const i of ids) {
          const t = performance.now();
          const identity = await discoverIdentities({ datamap: map, connections: ca, identity: { email: [email(i)] } });
          const t1 = performance.now();
          await recordSubjectValues({ datamap: map, connections: ca, identity });
          const t2 = performance.now();
          const plan = planRequest({ datamap: map, decide, regulation: 'gdpr' });
          await runErasure(plan, { connections: ca, identity, keys, now: NOW }, memoryCheckpoints());
          const t3 = performance.now();
          lethe.push(t3 - t);
          phases.discover += t1 - t;
          phases.record += t2 - t1;
          phases.erase += t3 - t2;
        }
      };
      const runBare = async () => {
        for (const i of ids) {
          const t = performance.now();
          await bare(cb.get('shop'), engine, i, keys);
          bareMs.push(performance.now() - t);
        }
      };
      if (r % 2 === 0) {
        await runLethe();
        await runBare();
      } else {
        await runBare();
        await runLethe();
      }
      const [da, db] = [await digest(ca.get('shop')), await digest(cb.get('shop'))];
      const differ = TABLES.filter((t) => da[t] !== db[t]);
      if (differ.length)
        throw new Error(
          `${engine}: Lethe and the bare SQL left different data in ${differ.join(', ')} (${JSON.stringify(da)} vs ${JSON.stringify(db)})`,
        );
      const run = {
        lethe: summarise(lethe),
        bare: summarise(bareMs),
        ratio: lethe.reduce((x, y) => x + y, 0) / bareMs.reduce((x, y) => x + y, 0),
      };
      console.log(
        `${engine} run ${r + 1}: per request discover ${(phases.discover / ids.length).toFixed(1)} ms, record ${(phases.record / ids.length).toFixed(1)} ms, erase ${(phases.erase / ids.length).toFixed(1)} ms`,
      );
      console.log(
        `${engine} run ${r + 1}: Lethe p50 ${run.lethe.p50.toFixed(1)} ms (p95 ${run.lethe.p95.toFixed(1)}) · bare p50 ${run.bare.p50.toFixed(1)} ms (p95 ${run.bare.p95.toFixed(1)}) · ratio ${run.ratio.toFixed(2)} · data identical`,
      );
      runs.push(run);
    } finally {
      await ca.destroy();
      await cb.destroy();
      await a.drop();
      await b.drop();
    }
  }
  return runs;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  console.log(
    `erasure on each engine: ${CUSTOMERS.toLocaleString('en')} customers, ${REQUESTS} requests, ${RUNS} runs`,
  );
  const only = process.env.ENGINES_BENCH_ONLY as SqlEngine | undefined;
  const mysqlUp = await mysqlAnswers();
  if (!mysqlUp) console.log('MariaDB/MySQL does not answer: PostgreSQL only');
  const engines = (['postgres', 'mysql'] as SqlEngine[]).filter(
    (e) => (e === 'postgres' || mysqlUp) && (!only || e === only),
  );
  const lines: string[] = [];
  for (const engine of engines) {
    const runs = await runEngine(engine);
    lines.push(
      `| ${engine === 'postgres' ? 'PostgreSQL' : 'MariaDB'} | ${median(runs.map((r) => r.lethe.p50)).toFixed(1)} ms | ${median(runs.map((r) => r.bare.p50)).toFixed(1)} ms | ${median(runs.map((r) => r.ratio)).toFixed(2)} × | ${runs.map((r) => r.ratio.toFixed(2)).join(', ')} |`,
    );
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const section = [
    '<!-- engines-bench:start (written by bench/erasure-engines.bench.ts) -->',
    `${CUSTOMERS.toLocaleString('en')} customers (${(CUSTOMERS * 14).toLocaleString('en')} rows in 5 tables), ${REQUESTS} erasures one after another, ${RUNS} runs (median shown; Lethe and bare alternate going first). ` +
      `${os.availableParallelism()} cores, load ${load} at the end, Node ${process.version}. Target: Lethe ≤ 2 × its engine's bare SQL.`,
    '',
    '| engine | Lethe p50 per request | bare SQL p50 | ratio (total time) | ratio per run |',
    '| --- | --- | --- | --- | --- |',
    ...lines,
    '<!-- engines-bench:end -->',
  ];
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'BENCHMARKS.md');
  let text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf('<!-- engines-bench:start');
  const end = text.indexOf('<!-- engines-bench:end -->');
  if (start >= 0 && end > start)
    text = text.slice(0, start) + section.join('\n') + text.slice(end + '<!-- engines-bench:end -->'.length);
  else
    text = text.replace(
      /\n## Audit log/,
      `\n## Erasure on other engines\n\nRun with \`npm run bench -- erasure\` (or \`-- engines\`). The shared scenario's schema without its free-text and held tables; each engine against its own bare SQL on an identical copy, data compared afterwards.\n\n${section.join('\n')}\n\n## Audit log`,
    );
  fs.writeFileSync(file, text);
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

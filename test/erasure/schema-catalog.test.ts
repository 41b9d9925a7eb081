// introspect() reads columns from pg_catalog instead of planning the information_schema views on
// every erasure job (issue 21, point 4). The rows must be exactly what information_schema gives:
// the demo systems' tables, and the odd cases (domains, arrays, varchar(n), numeric, views,
// partitioned tables, dropped columns, enums, a table in another schema).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { CATALOG_COLUMNS } from '../../server/erasure/schema';
import { createDemoSystems, DEMO_SYSTEMS } from '../../server/demo/systems';

const INFORMATION_SCHEMA = `
  SELECT c.table_name::text, c.column_name::text, c.is_nullable::text, c.data_type::text, c.udt_name::text,
         c.character_maximum_length::int
    FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
   WHERE c.table_schema = current_schema() AND t.table_type IN ('BASE TABLE', 'VIEW')
   ORDER BY c.table_name, c.ordinal_position`;

let dbs: TestDatabase[] = [];
let odd: TestDatabase;

beforeAll(async () => {
  const urls = await createDemoSystems(
    async () => {
      const d = await createTestDatabase({ empty: true });
      dbs.push(d);
      return d.url;
    },
    { customers: 20, seed: 3 },
  );
  expect(Object.keys(urls)).toEqual([...DEMO_SYSTEMS]);
  odd = await createTestDatabase({ empty: true });
  await odd.db.raw(`
    CREATE DOMAIN email_d AS varchar(120) NOT NULL;
    CREATE DOMAIN tags_d AS text[];
    CREATE TYPE mood AS ENUM ('ok', 'sad');
    CREATE TABLE people (id bigserial PRIMARY KEY, email email_d, alt varchar(40), code char(3), tags text[],
      dtags tags_d, price numeric(10,2), m mood, born date, meta jsonb, gone text, ip inet NOT NULL);
    ALTER TABLE people DROP COLUMN gone;
    CREATE VIEW people_v AS SELECT id, email, alt FROM people;
    CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);
    CREATE TABLE parted_2026 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
    CREATE SCHEMA other;
    CREATE TABLE other.hidden (x text);
    CREATE SEQUENCE not_a_table;`);
}, 120_000);

afterAll(async () => {
  for (const d of [...dbs, odd]) await d?.drop();
  dbs = [];
});

describe('introspection from pg_catalog', () => {
  it('gives the same rows as information_schema for every demo system', async () => {
    for (const d of dbs) {
      const [catalog, info] = [(await d.db.raw(CATALOG_COLUMNS)).rows, (await d.db.raw(INFORMATION_SCHEMA)).rows];
      expect(catalog.length).toBeGreaterThan(0);
      expect(catalog).toEqual(info);
    }
  });

  it('gives the same rows for domains, arrays, enums, lengths, views and partitions, and no other schema', async () => {
    const [catalog, info] = [(await odd.db.raw(CATALOG_COLUMNS)).rows, (await odd.db.raw(INFORMATION_SCHEMA)).rows];
    expect(catalog).toEqual(info);
    const tables = new Set(catalog.map((r: { table_name: string }) => r.table_name));
    expect([...tables].sort()).toEqual(['parted', 'parted_2026', 'people', 'people_v']);
    expect(catalog.find((r: { column_name: string }) => r.column_name === 'email')).toMatchObject({
      is_nullable: 'NO',
      udt_name: 'varchar',
      character_maximum_length: 120,
    });
  });
});

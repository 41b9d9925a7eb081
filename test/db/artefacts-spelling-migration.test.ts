// 20261204100000: request_artifacts becomes request_artefacts (one spelling, issue 13). Rows written
// under the old name, before the migration, are read by today's queries afterwards; down restores
// the old table with its rows and constraint names.
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { migrations } from '../../migrations/index';
import { artefact } from '../../server/requests/queries';
import { purgeExpiredExports } from '../../server/requests/artefacts-http';
import { certificateHeads } from '../../server/audit-log/queries';

const NAME = '20261204100000_request_artefacts_spelling';
const source = (list: typeof migrations): Knex.MigrationSource<(typeof migrations)[number]> => ({
  getMigrations: async () => list,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
});
const before = migrations.slice(
  0,
  migrations.findIndex((m) => m.name === NAME),
);
// Later migrations (20261204200000 …) are not this test's: it migrates up to and down from NAME.
const upTo = migrations.slice(0, before.length + 1);
const migrateToName = async (db: Knex): Promise<string[]> =>
  (await db.migrate.latest({ migrationSource: source(upTo) }))[1] as string[];

const tables = (db: Knex) =>
  db('information_schema.tables')
    .where({ table_schema: 'public' })
    .whereIn('table_name', ['request_artifacts', 'request_artefacts'])
    .pluck('table_name');
const constraints = (db: Knex, table: string) =>
  db('pg_constraint')
    .where({ conrelid: db.raw('?::regclass', [table]) })
    .orderBy('conname')
    .pluck('conname');

let t: TestDatabase;
const id = '7b0c1f0e-3a52-4c57-9a9e-2d6b8f1e0a01';
const other = '7b0c1f0e-3a52-4c57-9a9e-2d6b8f1e0a02';

beforeAll(async () => {
  t = await createTestDatabase({ empty: true });
  expect(upTo.at(-1)?.name).toBe(NAME);
  await t.db.migrate.latest({ migrationSource: source(before) });
  // Rows in the old shape: a certificate with the audit head it was issued at, and two access
  // packages (one inside its download window, one 40 days old).
  for (const rid of [id, other]) {
    await t.db('requests').insert({
      id: rid,
      type: 'erasure',
      regulation: 'gdpr',
      status: 'completed',
      identity_index: `idx-${rid}`,
      submitted_by: 'system:test',
      received_at: new Date(),
      due_at: new Date(Date.now() + 30 * 86_400_000),
    });
  }
  await t.db('request_artifacts').insert([
    {
      request_id: id,
      kind: 'certificate',
      content_type: 'application/pdf',
      filename: `certificate-${id}.pdf`,
      bytes: Buffer.from('%PDF-old'),
      sha256: 'c'.repeat(64),
      audit_head_seq: 41,
      audit_head_hash: 'h'.repeat(64),
    },
    {
      request_id: id,
      kind: 'export',
      content_type: 'application/x-tar',
      filename: `access-${id}.tar`,
      bytes: Buffer.from('fresh'),
      sha256: 'e'.repeat(64),
    },
    {
      request_id: other,
      kind: 'export',
      content_type: 'application/x-tar',
      filename: `access-${other}.tar`,
      bytes: Buffer.from('stale'),
      sha256: 'f'.repeat(64),
      created_at: new Date(Date.now() - 40 * 86_400_000),
    },
  ]);
});
afterAll(() => t?.drop());

describe('migration 20261204100000: request_artifacts → request_artefacts', () => {
  it('renames the table and its constraints, keeping the rows', async () => {
    expect(await migrateToName(t.db)).toEqual([NAME]);
    expect(await tables(t.db)).toEqual(['request_artefacts']);
    expect(await constraints(t.db, 'request_artefacts')).toEqual([
      'request_artefacts_pkey',
      'request_artefacts_request_id_foreign',
    ]);
    expect(await t.db('request_artefacts').count({ n: '*' })).toEqual([{ n: '3' }]);
  });

  it('rows written before the migration read correctly through the current queries', async () => {
    const cert = await artefact(t.db, id, 'certificate');
    expect(cert.sha256).toBe('c'.repeat(64));
    expect(Buffer.from(cert.bytes).toString()).toBe('%PDF-old');
    expect(await certificateHeads(t.db)).toEqual([
      { request_id: id, audit_head_seq: '41', audit_head_hash: 'h'.repeat(64) },
    ]);
    // The housekeeping purge finds the old package past its window, and only it.
    expect(await purgeExpiredExports(t.db)).toBe(1);
    expect(await artefact(t.db, other, 'export')).toBeUndefined();
    expect((await artefact(t.db, id, 'export')).sha256).toBe('e'.repeat(64));
    // The renamed primary key still refuses a second certificate for the request.
    await expect(
      t.db('request_artefacts').insert({
        request_id: id,
        kind: 'certificate',
        content_type: 'application/pdf',
        filename: 'x.pdf',
        bytes: Buffer.from('x'),
        sha256: 'x',
      }),
    ).rejects.toThrow(/request_artefacts_pkey/);
    // The renamed foreign key still cascades when a request is deleted.
    await t.db('requests').where({ id: other }).del();
    await t.db('requests').where({ id }).del();
    expect(await t.db('request_artefacts').count({ n: '*' })).toEqual([{ n: '0' }]);
  });

  it('down restores the old name and constraint names', async () => {
    await t.db('requests').insert({
      id,
      type: 'erasure',
      regulation: 'gdpr',
      status: 'completed',
      identity_index: `idx-${id}`,
      submitted_by: 'system:test',
      received_at: new Date(),
      due_at: new Date(),
    });
    await t.db('request_artefacts').insert({
      request_id: id,
      kind: 'certificate',
      content_type: 'application/pdf',
      filename: 'c.pdf',
      bytes: Buffer.from('new'),
      sha256: 'n'.repeat(64),
    });
    await t.db.migrate.down({ migrationSource: source(upTo) });
    expect(await tables(t.db)).toEqual(['request_artifacts']);
    expect(await constraints(t.db, 'request_artifacts')).toEqual([
      'request_artifacts_pkey',
      'request_artifacts_request_id_foreign',
    ]);
    expect(await t.db('request_artifacts').pluck('sha256')).toEqual(['n'.repeat(64)]);
    // And up again is clean.
    expect(await migrateToName(t.db)).toEqual([NAME]);
    expect(await tables(t.db)).toEqual(['request_artefacts']);
  });
});

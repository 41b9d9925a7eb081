// Issue 8: erasure on a schema Lethe did not design, driven by the Fides file its vendor wrote
// (test/fixtures/fides/helpdesk.*): no key annotations, identity columns in every order, a composite
// key, a keyless table, a table reachable only through a `direction: to` reference.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { importFides } from '../../server/datamap/fides-import';
import { createConnections, type Connections } from '../../server/systems/connections';
import { discoverIdentities, runErasure } from '../../server/erasure/execute';
import { discoverWithHolds } from '../../server/erasure/discover';
import { previewRequest } from '../../server/erasure/preview';
import { planRequest } from '../../server/erasure/plan';
import { verifyErasure } from '../../server/erasure/verify';
import { recordSubjectValues } from '../../server/erasure/subject-values';
import { withDatabaseKeys } from '../../server/erasure/primary-keys';
import type { DataMap, DeletionPolicy } from '../../server/policies/types';
import { fixtureDecide } from '../fixtures/decide';
import { memoryCheckpoints } from '../erasure/checkpoints';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/fides/${name}`, import.meta.url), 'utf8');
const source = { file: 't', line: 1, column: 1 };
const policy: DeletionPolicy = {
  rules: [{ category: 'user', regulations: 'all', strategy: 'delete_row', reason: 'GDPR Art. 17(1)', source }],
  exemptions: [],
};
const decide = fixtureDecide(policy);
const TABLES = ['addresses', 'contacts', 'memberships', 'tickets', 'activity_log'];
/** Every value Ana ever had, as the fixture wrote it (the request only names her work address). */
const ANA = [
  'ana.r@old-mail.example',
  'ana.ruiz@example.com',
  'ana@acme.example',
  '+34 612 345 678',
  'Ana Ruiz',
  '12 Calle Sol',
];

/** md5 of every row of every table (row_to_json: every column, whatever the map says). */
async function rows(db: TestDatabase): Promise<Map<string, { md5: string; json: string }[]>> {
  const out = new Map<string, { md5: string; json: string }[]>();
  for (const t of TABLES)
    out.set(
      t,
      (await db.db.raw(`SELECT md5(row_to_json(x)::text) AS md5, row_to_json(x)::text AS json FROM ${t} x`)).rows,
    );
  return out;
}
const holdsAna = (json: string) =>
  ANA.some((v) => json.toLowerCase().includes(v.toLowerCase())) || json.replace(/\D/g, '').includes('612345678');

describe('erasure on a schema we did not design (Fides file without keys)', () => {
  let db: TestDatabase;
  let connections: Connections;
  let datamap: DataMap;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await db.db.raw(fixture('helpdesk.sql'));
    datamap = {
      systems: [
        importFides(fixture('helpdesk.yml'), { system: 'helpdesk', connectionEnv: 'HELPDESK_DATABASE_URL' }).system,
      ],
    };
    connections = createConnections(datamap, () => db.url);
  });
  afterAll(async () => {
    await connections?.destroy();
    await db?.drop();
  });

  it('reads the keys the file does not declare from the database: single, composite, and ctid for a keyless table', async () => {
    expect(datamap.systems[0].datasets.every((d) => d.primaryKey.length === 0)).toBe(true);
    const resolved = await withDatabaseKeys(datamap, connections);
    expect(
      Object.fromEntries(resolved.systems[0].datasets.map((d) => [d.name, [d.primaryKeyFrom, d.primaryKey]])),
    ).toEqual({
      addresses: ['database', ['id']],
      contacts: ['database', ['id']],
      memberships: ['database', ['org', 'member_email']],
      tickets: ['database', ['id']],
      activity_log: ['ctid', ['ctid']],
    });
  });

  it('reads a number written without a country code in the region deletion.yaml sets (phone_region)', async () => {
    // The officer typed Ana's mobile as a Spaniard writes it; her contact row holds '+34 612 345 678'.
    const given = { phone: ['612 345 678'] };
    const without = await discoverIdentities({ datamap, connections, identity: given });
    expect(without.email).toBeUndefined();
    const spain = await discoverIdentities({
      datamap: { ...datamap, phoneRegion: 'ES' },
      connections,
      identity: given,
    });
    expect(spain.phone).toEqual(['+34612345678']);
    expect(spain.email).toEqual(
      expect.arrayContaining(['ana@acme.example', 'ana.ruiz@example.com', 'ana.r@old-mail.example']),
    );
  });

  it('erases every value the subject ever had from every column of every table, and leaves everyone else byte-for-byte', async () => {
    const before = await rows(db);
    const identity = await discoverIdentities({ datamap, connections, identity: { email: ['ana@acme.example'] } });
    // Her work address (third of its kind) leads to the first and second ones and her phone.
    expect(identity.email).toEqual(['ana.r@old-mail.example', 'ana.ruiz@example.com', 'ana@acme.example']);
    expect(identity.phone).toEqual(['+34612345678']);
    const values = await recordSubjectValues({ datamap, connections, identity });
    const plan = planRequest({ datamap: await withDatabaseKeys(datamap, connections), decide, regulation: 'gdpr' });
    const outcome = await runErasure(
      plan,
      { connections, identity, keys: { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) } },
      memoryCheckpoints(),
    );
    expect(Object.fromEntries(Object.entries(outcome.results).map(([k, r]) => [k, r.rowsDeleted]))).toEqual({
      'helpdesk.contacts': 1,
      'helpdesk.addresses': 1,
      'helpdesk.memberships': 2,
      'helpdesk.tickets': 3,
      'helpdesk.activity_log': 2,
    });

    const after = await rows(db);
    for (const t of TABLES) {
      // A direct scan of every column: nothing of hers anywhere.
      expect(
        after.get(t)!.filter((r) => holdsAna(r.json)),
        t,
      ).toEqual([]);
      // Everyone else's rows: exactly the same bytes.
      expect(
        after
          .get(t)!
          .map((r) => r.md5)
          .sort(),
        t,
      ).toEqual(
        before
          .get(t)!
          .filter((r) => !holdsAna(r.json))
          .map((r) => r.md5)
          .sort(),
      );
    }
    // She had rows in every table before (the fixture tests what it claims).
    for (const t of TABLES)
      expect(
        before.get(t)!.some((r) => holdsAna(r.json)),
        t,
      ).toBe(true);

    const verification = await verifyErasure({ datamap, connections, identity, values, decide, regulation: 'gdpr' });
    expect(verification).toMatchObject({ clean: true, remaining: [], problems: [], warnings: [] });
    expect(verification.scanned).toMatchObject({ systems: 1, tables: 5 });
    expect(verification.scanned.lines.find((l) => l.table === 'contacts')).toEqual({
      system: 'helpdesk',
      table: 'contacts',
      columns: ['notes', 'alt_email', 'display_name', 'email', 'work_email', 'mobile'],
      unmapped: [],
    });
    expect(verification.scanned.lines.find((l) => l.table === 'tickets')!.unmapped).toEqual(['legacy_ref']);
  });

  it('a phone two people share is held back: erasing one leaves the other byte-for-byte, and the value is listed (masked) for the officer', async () => {
    const eve = async () =>
      (await rows(db))
        .get('contacts')!
        .concat((await rows(db)).get('tickets')!)
        .filter((r) => r.json.includes('eve@family.example'))
        .map((r) => r.md5)
        .sort();
    const before = await eve();
    expect(before).toHaveLength(2);
    const found = await discoverWithHolds({ datamap, connections, identity: { email: ['dan@family.example'] } });
    expect(found.identity).toEqual({ email: ['dan@family.example'] });
    expect(found.held).toEqual([
      { kind: 'phone', value: '+35315550100', masked: '+35 *** ***100', from: 'helpdesk.contacts', others: 2 },
    ]);
    // What the job stores: the held value travels with the identity, inert for matching and verification.
    const identity = await discoverIdentities({ datamap, connections, identity: { email: ['dan@family.example'] } });
    expect(identity).toEqual({ email: ['dan@family.example'], 'held:phone': ['+35315550100'] });
    const values = await recordSubjectValues({ datamap, connections, identity });
    expect(values.phone).toBeUndefined();
    const plan = planRequest({ datamap: await withDatabaseKeys(datamap, connections), decide, regulation: 'gdpr' });
    // The dry run shows the officer what will be used (counts) and what is held back (masked).
    const preview = await previewRequest(plan, { connections, identity });
    expect(preview.identity).toEqual({ counts: { email: 1 }, held: [{ kind: 'phone', masked: '+35 *** ***100' }] });
    expect(JSON.stringify(preview)).not.toContain('5550100');
    await runErasure(
      plan,
      { connections, identity, keys: { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) } },
      memoryCheckpoints(),
    );
    expect(await eve()).toEqual(before);
    expect((await rows(db)).get('contacts')!.filter((r) => r.json.includes('dan@family.example'))).toEqual([]);
    expect((await verifyErasure({ datamap, connections, identity, values, decide, regulation: 'gdpr' })).clean).toBe(
      true,
    );
    // Confirmed by an officer, the value is used like any other.
    const confirmed = await discoverWithHolds({
      datamap,
      connections,
      identity: { email: ['eve@family.example'] },
      confirmed: { phone: ['+353 1 555 0100'] },
    });
    expect(confirmed).toEqual({ identity: { email: ['eve@family.example'], phone: ['+35315550100'] }, held: [] });
  });

  it('verification does not trust discovery: a value only the recorded values know is still found, in any identity column', async () => {
    // An identity the erasure never learnt (only her work address), with the values recorded beforehand.
    await db.db.raw(`INSERT INTO memberships VALUES ('late', 'ana.r@old-mail.example', 'member')`);
    const narrow = { email: ['ana@acme.example'] };
    const recorded = {
      email: ['ana.r@old-mail.example', 'ana.ruiz@example.com', 'ana@acme.example'],
      phone: ['+34612345678'],
    };
    expect((await verifyErasure({ datamap, connections, identity: narrow, decide, regulation: 'gdpr' })).clean).toBe(
      true,
    );
    const v = await verifyErasure({
      datamap,
      connections,
      identity: narrow,
      values: recorded,
      decide,
      regulation: 'gdpr',
    });
    expect(v.clean).toBe(false);
    expect(v.remaining).toEqual([{ system: 'helpdesk', table: 'memberships', column: 'member_email', rows: 1 }]);
    await db.db.raw(`DELETE FROM memberships WHERE org = 'late'`);
  });

  it('lists a hit in a column the map does not describe as a warning', async () => {
    await db.db.raw(`UPDATE tickets SET legacy_ref = 'was ana.ruiz@example.com' WHERE id = 13`);
    const v = await verifyErasure({
      datamap,
      connections,
      identity: { email: ['ana.ruiz@example.com'] },
      decide,
      regulation: 'gdpr',
    });
    expect(v.warnings).toEqual([{ system: 'helpdesk', table: 'tickets', column: 'legacy_ref', rows: 1 }]);
    await db.db.raw(`UPDATE tickets SET legacy_ref = NULL WHERE id = 13`);
  });
});

import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { importFides } from '../../server/datamap/fides-import';
import { datamapFileSchema } from '../../server/policies/schemas/datamap';
import { createConnections, type Connections } from '../../server/systems/connections';
import { discoverIdentities, runErasure } from '../../server/erasure/execute';
import { planRequest } from '../../server/erasure/plan';
import { verifyErasure } from '../../server/erasure/verify';
import type { DataMap, DeletionPolicy } from '../../server/policies/types';
import { fixtureDecide } from '../fixtures/decide';
import { memoryCheckpoints } from '../erasure/checkpoints';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/fides/${name}`, import.meta.url), 'utf8');
const source = { file: 't', line: 1, column: 1 };
const policy: DeletionPolicy = {
  rules: [{ category: 'user', regulations: 'all', strategy: 'delete_row', reason: 'GDPR Art. 17(1)', source }],
  exemptions: [],
};

describe('a data map converted from Fides', () => {
  let db: TestDatabase;
  let connections: Connections;
  let datamap: DataMap;
  let yaml: string;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await db.db.raw(fixture('shop.sql'));
    const converted = importFides(fixture('shop.yml'), { system: 'shop', connectionEnv: 'SHOP_DATABASE_URL' });
    yaml = converted.yaml;
    datamap = { systems: [converted.system] };
    const env: Record<string, string> = { SHOP_DATABASE_URL: db.url };
    connections = createConnections(datamap, (s) => env[s.connectionEnv]);
  });
  afterAll(async () => {
    await connections?.destroy();
    await db?.drop();
  });

  it('is a valid Lethe data-map file', () => {
    const parsed = datamapFileSchema.safeParse(YAML.parse(yaml));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('drives an erasure that removes the subject, follows references both ways and respects the foreign keys', async () => {
    const dump = async () =>
      Object.fromEntries(
        await Promise.all(
          ['address', 'customer', 'orders', 'order_line', 'newsletter'].map(async (t) => [
            t,
            (await db.db.raw(`SELECT row_to_json(x)::text AS j FROM ${t} x ORDER BY id`)).rows.map(
              (r: { j: string }) => r.j,
            ),
          ]),
        ),
      );
    const before = await dump();
    const identity = await discoverIdentities({
      datamap,
      connections,
      identity: { email: ['ada.okafor@example.com'] },
    });
    // Phone numbers are normalised to E.164 (issue 8); the stored '+44 7700 900010' is one of its forms.
    expect(identity).toEqual({
      email: ['ada.okafor@example.com'],
      phone: ['+447700900010'],
      'ref:shop.customer.address_id': ['1'],
    });

    const plan = planRequest({ datamap, decide: fixtureDecide(policy), regulation: 'gdpr' });
    const outcome = await runErasure(
      plan,
      { connections, identity, keys: { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) } },
      memoryCheckpoints(),
    );
    expect(Object.fromEntries(Object.entries(outcome.results).map(([k, r]) => [k, r.rowsDeleted]))).toEqual({
      'shop.customer': 1,
      'shop.address': 1,
      'shop.order_line': 3,
      'shop.orders': 2,
      'shop.newsletter': 1,
    });

    const after = await dump();
    const without = (rows: string[], test: (r: Record<string, unknown>) => boolean) =>
      rows.filter((j) => !test(JSON.parse(j)));
    expect(after.customer).toEqual(without(before.customer, (r) => r.id === 10));
    expect(after.address).toEqual(without(before.address, (r) => r.id === 1));
    expect(after.orders).toEqual(without(before.orders, (r) => r.customer_id === 10));
    expect(after.order_line).toEqual(without(before.order_line, (r) => r.order_id === 100 || r.order_id === 101));
    expect(after.newsletter).toEqual(without(before.newsletter, (r) => r.id === 1));

    const verification = await verifyErasure({
      datamap,
      connections,
      identity,
      decide: fixtureDecide(policy),
      regulation: 'gdpr',
    });
    expect(verification).toMatchObject({ clean: true, remaining: [], problems: [] });
  });
});

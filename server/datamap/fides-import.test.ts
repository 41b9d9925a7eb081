import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FidesImportError, importFides } from './fides-import';

const shop = fs.readFileSync(new URL('../../test/fixtures/fides/shop.yml', import.meta.url), 'utf8');
const opts = { system: 'shop', connectionEnv: 'SHOP_DATABASE_URL' };

describe('importFides', () => {
  it('converts collections, categories, identities and primary keys into a Lethe data-map file', () => {
    const { file, system } = importFides(shop, opts);
    expect(file).toMatchObject({
      apiVersion: 'lethe/v1',
      kind: 'DataSystem',
      name: 'shop',
      connection_env: 'SHOP_DATABASE_URL',
      engine: 'postgres',
    });
    expect(system.datasets.map((d) => d.name)).toEqual(['address', 'customer', 'orders', 'order_line', 'newsletter']);
    const customer = system.datasets.find((d) => d.name === 'customer')!;
    expect(customer.primaryKey).toEqual(['id']);
    expect(customer.columns.filter((c) => c.identity).map((c) => [c.name, c.identity])).toEqual([
      ['email', 'email'],
      ['phone', 'phone'],
    ]);
  });

  it('writes a direction "from" reference on its own collection and a direction "to" one on the referenced collection', () => {
    const { system } = importFides(shop, opts);
    const refs = Object.fromEntries(system.datasets.map((d) => [d.name, d.references]));
    expect(refs.orders).toEqual([{ column: 'customer_id', to: 'customer.id' }]);
    expect(refs.order_line).toEqual([{ column: 'order_id', to: 'orders.id' }]);
    expect(refs.address).toEqual([{ column: 'id', to: 'customer.address_id' }]);
    expect(refs.customer).toEqual([]);
  });

  it('inherits a collection’s categories, and warns about what it leaves out', () => {
    const { system, warnings } = importFides(shop, opts);
    expect(
      system.datasets.find((d) => d.name === 'orders')!.columns.find((c) => c.name === 'total')!.categories,
    ).toEqual(['user.financial']);
    expect(warnings).toEqual([
      'fides.yml:33: not converted: customer.email: data_type string; Lethe reads column types from the database',
      'fides.yml:94: not converted: newsletter.crm_contact_id: reference to another dataset (marketing_crm.contact.id); Lethe links systems through identities',
      'fides.yml:99: not converted: audit_trail: skip_processing is set in Fides; the collection is left out',
    ]);
  });

  it('prints YAML that parses back to the same file', () => {
    const { yaml, file } = importFides(shop, opts);
    expect(yaml.startsWith('# Converted from Fides dataset "shop_postgres"')).toBe(true);
    expect(YAML.parse(yaml)).toEqual(file);
  });

  it('refuses input it cannot convert, listing every reason', () => {
    const bad = `dataset:\n  - fides_key: x\n    collections:\n      - name: Users\n        fields:\n          - name: userId\n            data_categories: [user.unique_id]\n`;
    const err = (() => {
      try {
        importFides(bad, { system: 'Shop', connectionEnv: 'postgres://u@h/db' });
      } catch (e) {
        return e as FidesImportError;
      }
    })();
    expect(err).toBeInstanceOf(FidesImportError);
    expect(err!.problems).toEqual([
      '--system "Shop" must be snake_case (a-z, 0-9, _)',
      '--connection-env "postgres://u@h/db" must be the NAME of an environment variable, e.g. SHOP_DATABASE_URL',
      'collection "Users": Lethe dataset names must be snake_case',
      'Users.userId: Lethe column names must be snake_case',
    ]);
    expect(() => importFides('collections: [', opts)).toThrow(/not valid YAML/);
    expect(() => importFides('system: []', opts)).toThrow(/dataset/);
  });

  it('never fails for a missing key: omits primary_key, says in a comment that it is read from the database', () => {
    const noKeys = `dataset:\n  - fides_key: x\n    collections:\n      - name: users\n        fields:\n          - name: uid\n            data_categories: [user.unique_id]\n          - name: email\n            data_categories: [user.contact.email]\n            fides_meta:\n              identity: email\n`;
    const { file, yaml, system } = importFides(noKeys, opts);
    const users = (file.datasets as Record<string, unknown>[])[0];
    expect(users).not.toHaveProperty('primary_key');
    expect(system.datasets[0]).toMatchObject({ primaryKey: [], primaryKeyFrom: 'database' });
    expect(yaml).toContain(
      '# primary_key: not declared in the Fides file; read from the database (pg_index) when an erasure is planned',
    );
    expect(YAML.parse(yaml)).toEqual(file);
  });

  it('asks which dataset to convert when a file holds several', () => {
    const two = `dataset:\n  - fides_key: a\n    collections: []\n  - fides_key: b\n    collections: []\n`;
    expect(() => importFides(two, opts)).toThrow('the file holds several datasets (a, b): choose one with --dataset');
  });
});

describe('importFides: the rest of the format', () => {
  const helpdesk = fs.readFileSync(new URL('../../test/fixtures/fides/helpdesk.yml', import.meta.url), 'utf8');
  const lines = helpdesk.split('\n');
  const lineOf = (needle: string, after = '') =>
    lines.findIndex((l, i) => l.includes(needle) && (!after || lines.slice(0, i).some((x) => x.includes(after)))) + 1;

  it('converts what Lethe can express and reports the rest as FILE:line: not converted, never silently', () => {
    const { system, warnings } = importFides(helpdesk, { ...opts, file: 'helpdesk.yml', system: 'helpdesk' });
    // Nested fields: one JSON column classified by what is inside it.
    expect(system.datasets.find((d) => d.name === 'tickets')!.columns.find((c) => c.name === 'metadata')).toEqual({
      name: 'metadata',
      categories: ['system.operations', 'user.contact.phone_number'],
    });
    // No key anywhere in the file: every key is read from the database.
    expect(system.datasets.every((d) => d.primaryKey.length === 0 && d.primaryKeyFrom === 'database')).toBe(true);
    // The collection reachable only through `direction: to`.
    expect(system.datasets.find((d) => d.name === 'addresses')!.references).toEqual([
      { column: 'id', to: 'contacts.address_id' },
    ]);
    expect(system.datasets.map((d) => d.name)).not.toContain('exports');
    expect(warnings).toEqual([
      `helpdesk.yml:${lineOf('data_type: string')}: not converted: contacts.email: data_type string; Lethe reads column types from the database`,
      `helpdesk.yml:${lineOf('length: 254')}: not converted: contacts.email: length 254; Lethe reads column lengths from the database and fits masks to them`,
      `helpdesk.yml:${lineOf('erase_after:')}: not converted: memberships: fides_meta.erase_after (helpdesk_postgres.contacts); Lethe orders its steps by the foreign keys it reads from the database`,
      `helpdesk.yml:${lineOf('read_only: true')}: not converted: tickets.id: read_only; Lethe erases what the deletion policy says: declare an exemption if this column must not change`,
      `helpdesk.yml:${lineOf('- name: metadata')}: tickets.metadata: nested fields converted to one column classified [system.operations, user.contact.phone_number]`,
      `helpdesk.yml:${lineOf('identity: phone_number', 'name: callback')}: not converted: tickets.metadata.callback: identity inside a JSON column is not a lookup key in Lethe; the column tickets.metadata is erased as a whole`,
      `helpdesk.yml:${lineOf('data_type: object')}: not converted: tickets.metadata: data_type object; Lethe reads column types from the database`,
      `helpdesk.yml:${lineOf('after: [helpdesk_postgres.tickets]')}: not converted: activity_log: fides_meta.after (helpdesk_postgres.tickets); Lethe orders its steps by the foreign keys it reads from the database`,
      `helpdesk.yml:${lineOf('skip_processing: true', 'name: exports')}: not converted: exports: skip_processing is set in Fides; the collection is left out`,
    ]);
  });
});

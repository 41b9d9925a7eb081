import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FidesImportError, importFides } from './fides-import';

const shop = fs.readFileSync(new URL('../../test/fixtures/fides/shop.yml', import.meta.url), 'utf8');
const opts = { system: 'shop', connectionEnv: 'SHOP_DATABASE_URL' };

describe('importFides', () => {
  it('converts collections, categories, identities and primary keys into a Lethe data-map file', () => {
    const { file, system } = importFides(shop, opts);
    expect(file).toMatchObject({ apiVersion: 'lethe/v1', kind: 'DataSystem', name: 'shop', connection_env: 'SHOP_DATABASE_URL', engine: 'postgres' });
    expect(system.datasets.map((d) => d.name)).toEqual(['address', 'customer', 'orders', 'order_line', 'newsletter']);
    const customer = system.datasets.find((d) => d.name === 'customer')!;
    expect(customer.primaryKey).toEqual(['id']);
    expect(customer.columns.filter((c) => c.identity).map((c) => [c.name, c.identity])).toEqual([['email', 'email'], ['phone', 'phone']]);
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
    expect(system.datasets.find((d) => d.name === 'orders')!.columns.find((c) => c.name === 'total')!.categories).toEqual(['user.financial']);
    expect(warnings).toEqual([
      expect.stringContaining('newsletter.crm_contact_id: reference to another dataset'),
      'audit_trail: skip_processing is set in Fides; the collection is left out',
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
      'Users: no primary key (mark a field with fides_meta.primary_key: true)',
    ]);
    expect(() => importFides('collections: [', opts)).toThrow(/not valid YAML/);
    expect(() => importFides('system: []', opts)).toThrow(/dataset/);
  });

  it('asks which dataset to convert when a file holds several', () => {
    const two = `dataset:\n  - fides_key: a\n    collections: []\n  - fides_key: b\n    collections: []\n`;
    expect(() => importFides(two, opts)).toThrow('the file holds several datasets (a, b): choose one with --dataset');
  });
});

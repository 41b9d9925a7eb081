import { describe, expect, it } from 'vitest';
import { copyBundle, edit, shippedBundle, positionOf, runCli } from './helpers';

// Pseudonymized columns are declared in the data map (issue 16): `pseudonymize: hmac | mask` on a
// direct identifier. Another method, or a pseudonym on a quasi-identifier, is refused at its node.
describe('lethe policy check: pseudonymized columns', () => {
  it('the shipped crm map declares its direct identifiers pseudonymized, and the bundle carries it', async () => {
    const bundle = await shippedBundle();
    const customers = bundle.datamap.systems.find((s) => s.name === 'crm')!.datasets.find((d) => d.name === 'customers')!;
    const declared = Object.fromEntries(customers.columns.filter((c) => c.pseudonymize).map((c) => [c.name, c.pseudonymize]));
    expect(declared).toEqual({ id: 'hmac', email: 'hmac', full_name: 'mask', phone: 'hmac' });
  });

  it('refuses an unknown method at its node', async () => {
    const dir = await copyBundle();
    await edit(dir, 'datamap/crm.yaml', '        pseudonymize: mask\n', '        pseudonymize: shuffle\n');
    const { code, stdout } = await runCli('policy', 'check', dir);
    expect(code).toBe(1);
    const at = await positionOf(dir, 'datamap/crm.yaml', 'pseudonymize: shuffle', 14);
    expect(stdout).toContain(`${at}: datasets[0].columns[2].pseudonymize: pseudonymize is hmac (a keyed token per dataset) or mask`);
  });

  it('refuses a pseudonymized quasi-identifier at its node (generalize it instead)', async () => {
    const dir = await copyBundle();
    await edit(dir, 'datamap/crm.yaml', '        categories: [user.contact.address.postal_code]\n      - name: created_at', '        categories: [user.contact.address.postal_code]\n        pseudonymize: hmac\n      - name: created_at');
    const { code, stdout } = await runCli('policy', 'check', dir);
    expect(code).toBe(1);
    const at = await positionOf(dir, 'datamap/crm.yaml', 'postal_code]\n        pseudonymize: hmac', 35);
    expect(stdout).toContain(`${at}: `);
    expect(stdout).toContain('column "postal_code" of customers is pseudonymized but is not a direct identifier');
    expect(stdout.split('\n').filter((l) => l.includes('crm.yaml'))).toHaveLength(1);
  });
});

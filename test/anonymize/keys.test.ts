// Per-dataset pseudonym keys live in Postgres under the master key: `lethe keys rotate` re-encrypts
// them (and the anonymized outputs) so a restart with only the new key still pseudonymizes the
// same value to the same token; a destroyed key is never recreated.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { cliRunner } from '../support/cli';
import { createCrypto, masterKeyId } from '../../server/crypto';
import { datasetPseudonymKey, destroyPseudonymKey } from '../../server/anonymize/pseudonym-keys';
import { hmacPseudonym } from '../../server/anonymize/pseudonymize';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('pseudonym keys', () => {
  it('lethe keys rotate re-encrypts pseudonym keys and anonymized outputs; the tokens stay the same under the new key', async () => {
    const oldHex = t.env.LETHE_SECRET_KEY!;
    const key = await datasetPseudonymKey(t.deps.db, t.deps.crypto, 'crm.customers');
    expect(await datasetPseudonymKey(t.deps.db, t.deps.crypto, 'crm.customers')).toEqual(key);
    const token = hmacPseudonym(key, 'anna@example.com');
    const csv = Buffer.from('email,zip\nabc,123**\n');
    const [run] = await t.deps
      .db('anonymization_runs')
      .insert({
        dataset: 'crm.customers',
        release_kind: 'default',
        options: {},
        requested_by: 'test',
        status: 'done',
        output_enc: t.deps.crypto.encryptBytes(csv),
      })
      .returning('id');
    const oldId = masterKeyId(Buffer.from(oldHex, 'hex'));
    expect(
      t.deps.crypto.keyIdOf((await t.deps.db('pseudonym_keys').where({ dataset: 'crm.customers' }).first()).key_enc),
    ).toBe(oldId);

    const newHex = crypto.randomBytes(32).toString('hex');
    const rotated = await cliRunner({ ...t.env, LETHE_SECRET_KEY: newHex, LETHE_SECRET_KEYRING: oldHex })([
      'keys',
      'rotate',
    ]);
    expect(rotated.code, rotated.err).toBe(0);
    expect(rotated.out).toContain('1 pseudonym key(s), 1 anonymized output(s), 0 subject contact(s) re-encrypted');

    const newId = masterKeyId(Buffer.from(newHex, 'hex'));
    const onlyNew = createCrypto(Buffer.from(newHex, 'hex'));
    const stored = (await t.deps.db('pseudonym_keys').where({ dataset: 'crm.customers' }).first()).key_enc;
    expect(onlyNew.keyIdOf(stored)).toBe(newId);
    const after = await datasetPseudonymKey(t.deps.db, onlyNew, 'crm.customers');
    expect(hmacPseudonym(after, 'anna@example.com')).toBe(token);
    const output = (await t.deps.db('anonymization_runs').where({ id: run.id }).first()).output_enc;
    expect(onlyNew.decryptBytes(output).equals(csv)).toBe(true);
    const audit = await t.deps.db('audit_log').where({ action: 'keys.rotate' }).orderBy('seq', 'desc').first();
    expect(audit.details).toMatchObject({ pseudonymKeys: 1, anonymizedOutputs: 1 });

    // A second run has nothing left to move (idempotent).
    const again = await cliRunner({ ...t.env, LETHE_SECRET_KEY: newHex, LETHE_SECRET_KEYRING: oldHex })([
      'keys',
      'rotate',
    ]);
    expect(again.out).toContain('0 pseudonym key(s), 0 anonymized output(s), 0 subject contact(s) re-encrypted');
  });

  it('a destroyed key is not recreated: new hmac pseudonyms for the dataset are refused', async () => {
    await datasetPseudonymKey(t.deps.db, t.deps.crypto, 'crm.gone');
    expect(await destroyPseudonymKey(t.deps.db, 'crm.gone')).toBe(true);
    expect(await destroyPseudonymKey(t.deps.db, 'crm.gone')).toBe(false);
    await expect(datasetPseudonymKey(t.deps.db, t.deps.crypto, 'crm.gone')).rejects.toThrow(/was destroyed/);
  });
});

// Per-dataset HMAC keys for pseudonymized columns, held in Postgres under the master key
// (crypto.encrypt), so every worker uses the same key, `lethe keys rotate` re-encrypts them, and
// destroying one is a single audited update. A destroyed key is never recreated: tokens made with
// it must stay unlinkable, so the dataset gets no new hmac pseudonyms until the row is cleared.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Crypto } from '../crypto';
import { AnonymizeInputError } from './errors';

/** The dataset's key, created (32 random bytes) on first use. */
export async function datasetPseudonymKey(db: Knex, cr: Crypto, dataset: string): Promise<Buffer> {
  await db('pseudonym_keys')
    .insert({ dataset, key_enc: cr.encrypt(crypto.randomBytes(32).toString('hex')) })
    .onConflict('dataset')
    .ignore();
  const row = await db('pseudonym_keys').where({ dataset }).first('key_enc', 'destroyed_at');
  if (!row?.key_enc)
    throw new AnonymizeInputError(
      `the pseudonym key of ${dataset} was destroyed; hmac pseudonyms made with it can no longer be linked, and no new key is made for it`,
    );
  return Buffer.from(cr.decrypt(row.key_enc), 'hex');
}

/** Destroys the key (audited by the caller); true when there was one to destroy. */
export async function destroyPseudonymKey(db: Knex, dataset: string): Promise<boolean> {
  return (
    (await db('pseudonym_keys')
      .where({ dataset })
      .whereNotNull('key_enc')
      .update({ key_enc: null, destroyed_at: db.fn.now() })) > 0
  );
}

/** The same for the anonymized outputs, sealed with encryptBytes. */
export async function rotateAnonymizedOutputs(db: Knex, cr: Crypto): Promise<number> {
  let moved = 0;
  const ids = await db('anonymization_runs').whereNotNull('output_enc').select('id');
  for (const { id } of ids) {
    const row = await db('anonymization_runs').where({ id }).first('output_enc');
    if (!row?.output_enc || cr.keyIdOf(row.output_enc) === cr.keyId) continue;
    moved += await db('anonymization_runs')
      .where({ id })
      .update({ output_enc: cr.encryptBytes(cr.decryptBytes(row.output_enc)) });
  }
  return moved;
}

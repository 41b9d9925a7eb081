// The report-signing keys Lethe has used. The configured key is recorded the first time it signs
// (or is published); any other key still marked current is retired at that moment, keeping its
// public half and validity period so that what it signed still verifies.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { fingerprintOf, publicPem, type PublicKeyEntry } from './signing';

export async function registerCurrentKey(db: Knex, key: crypto.KeyObject): Promise<void> {
  const fingerprint = fingerprintOf(key);
  const known = await db('report_signing_keys').where({ fingerprint }).first('retired_at');
  if (known && known.retired_at === null) return;
  await db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [0x5e9_0a7d]);
    await trx('report_signing_keys')
      .whereNull('retired_at')
      .whereNot({ fingerprint })
      .update({ retired_at: trx.fn.now() });
    // A key brought back after retirement signs again from now on.
    await trx('report_signing_keys')
      .insert({ fingerprint, public_key: publicPem(key) })
      .onConflict('fingerprint')
      .merge({ retired_at: null });
  });
}

export async function publishedKeys(db: Knex): Promise<PublicKeyEntry[]> {
  const rows = await db('report_signing_keys').orderBy('valid_from', 'desc');
  return rows.map((r) => ({
    fingerprint: r.fingerprint,
    publicKey: r.public_key,
    validFrom: new Date(r.valid_from).toISOString(),
    retiredAt: r.retired_at ? new Date(r.retired_at).toISOString() : null,
  }));
}

/** The document served at /.well-known/lethe-report-key (and accepted by `lethe report verify --keys`). */
export async function keyDocument(db: Knex, current: crypto.KeyObject) {
  await registerCurrentKey(db, current);
  const keys = await publishedKeys(db);
  return {
    algorithm: 'Ed25519',
    fingerprint: 'SHA-256 of the raw 32-byte public key, hex',
    current: fingerprintOf(current),
    keys,
  };
}

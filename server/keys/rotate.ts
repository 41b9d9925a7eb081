// `lethe keys rotate`: run with the NEW key as LETHE_SECRET_KEY and the old one in
// LETHE_SECRET_KEYRING. Every stored ciphertext not yet under the new key is re-encrypted
// (request identities: every field in ENCRYPTED_IDENTITY_FIELDS; access packages; MFA secrets;
// per-dataset pseudonym keys and anonymized outputs; data subjects' contact addresses).
// A request's blind index is recomputed where its identity plaintext still exists; a closed
// request's index stays under the old key, which therefore stays in the keyring (read-only). So
// do requests a legal hold names by fingerprint: the hold in retention.yaml names the old index.
// Idempotent: a value already under the new key is left alone, so an interrupted run is re-run.
import type { Deps } from '../deps';
import { ENCRYPTED_IDENTITY_FIELDS } from '../requests';
import { PACKAGE_KINDS, primaryIdentity } from '../requests';
import { rotateAnonymizedOutputs } from '../anonymize';

export interface RotationReport {
  from: string[];
  to: string;
  requests: number;
  reindexed: number;
  indexKept: number;
  heldIndexKept: number;
  packages: number;
  mfaSecrets: number;
  /** Per-dataset pseudonym keys (server/anonymize/pseudonym-keys.ts) and anonymized outputs re-encrypted. */
  pseudonymKeys: number;
  anonymizedOutputs: number;
  /** Data subjects' addresses: request contacts and unconfirmed privacy-center submissions. */
  subjectContacts: number;
}

const BATCH = 200;

export async function rotateKeys(
  deps: Pick<Deps, 'db' | 'crypto' | 'audit' | 'policies'>,
  actor: string,
): Promise<RotationReport> {
  const { db, crypto } = deps;
  const report: RotationReport = {
    from: crypto.keyIds.slice(1),
    to: crypto.keyId,
    requests: 0,
    reindexed: 0,
    indexKept: 0,
    heldIndexKept: 0,
    packages: 0,
    mfaSecrets: 0,
    pseudonymKeys: 0,
    anonymizedOutputs: 0,
    subjectContacts: 0,
  };
  const stale = (v: string | Buffer | null) => v !== null && crypto.keyIdOf(v) !== crypto.keyId;
  const held = new Set(
    deps.policies
      .current()
      .retention.legalHolds.map((h) => h.subject)
      .filter(Boolean),
  );

  let after: string | null = null;
  for (;;) {
    const q = db('requests');
    if (after) q.where('id', '>', after);
    const rows = await q
      .orderBy('id')
      .limit(BATCH)
      .select('id', 'identity_index', ...ENCRYPTED_IDENTITY_FIELDS);
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    for (const r of rows) {
      const patch: Record<string, string> = {};
      for (const f of ENCRYPTED_IDENTITY_FIELDS) if (stale(r[f])) patch[f] = crypto.encrypt(crypto.decrypt(r[f]));
      const currentIndex = r.identity_enc
        ? crypto.blindIndex(primaryIdentity(JSON.parse(crypto.decrypt(r.identity_enc))))
        : null;
      if (currentIndex && currentIndex !== r.identity_index) {
        if (held.has(r.identity_index)) report.heldIndexKept++;
        else {
          patch.identity_index = currentIndex;
          report.reindexed++;
        }
      } else if (!currentIndex) report.indexKept++;
      if (Object.keys(patch).length) {
        // Only if nothing changed meanwhile (a closing clears the fields): never resurrect an identity.
        const q = db('requests').where({ id: r.id });
        for (const f of ENCRYPTED_IDENTITY_FIELDS) r[f] === null ? q.whereNull(f) : q.where(f, r[f]);
        report.requests += await q.update(patch);
      }
    }
  }

  const packages = await db('request_artefacts').whereIn('kind', PACKAGE_KINDS).select('request_id', 'kind', 'bytes');
  for (const p of packages) {
    if (!stale(p.bytes)) continue;
    report.packages += await db('request_artefacts')
      .where({ request_id: p.request_id, kind: p.kind })
      .update({ bytes: crypto.encryptBytes(crypto.decryptBytes(p.bytes)) });
  }

  // A column of single ciphertexts: each value not under the current key, re-encrypted only if it
  // did not change meanwhile.
  const reencrypt = async (table: string, key: string, column: string) => {
    let moved = 0;
    for (const r of await db(table).whereNotNull(column).select(key, column)) {
      if (!stale(r[column])) continue;
      moved += await db(table)
        .where({ [key]: r[key], [column]: r[column] })
        .update({ [column]: crypto.encrypt(crypto.decrypt(r[column])) });
    }
    return moved;
  };
  report.mfaSecrets = await reencrypt('users', 'id', 'mfa_secret_enc');
  report.pseudonymKeys = await reencrypt('pseudonym_keys', 'dataset', 'key_enc');
  report.anonymizedOutputs = await rotateAnonymizedOutputs(db, crypto);
  report.subjectContacts =
    (await reencrypt('subject_contacts', 'request_id', 'contact_enc')) +
    (await reencrypt('privacy_center_submissions', 'id', 'email_enc'));

  await deps.audit.append({ actor, action: 'keys.rotate', details: { ...report } });
  return report;
}

// The one list of encrypted identity fields a request holds. Closing a request (whatever the
// path: denied, erased, exported) clears every one of them, and key rotation re-encrypts every
// one of them; a new encrypted identity column is added here and nowhere else. A CHECK
// constraint (migration 20261130100500) refuses a closed request that still holds any.
import type { RequestRow } from './queries';

export const ENCRYPTED_IDENTITY_FIELDS = [
  'identity_enc',
  'discovered_enc',
  'verification_evidence_enc',
  'subject_values_enc',
  'shared_decisions_enc',
] as const satisfies readonly (keyof RequestRow)[];

export type EncryptedIdentityField = (typeof ENCRYPTED_IDENTITY_FIELDS)[number];

/** The patch that destroys the identity: every encrypted identity field set to null. */
export function destroyedIdentity(): Record<EncryptedIdentityField, null> {
  return Object.fromEntries(ENCRYPTED_IDENTITY_FIELDS.map((f) => [f, null])) as Record<EncryptedIdentityField, null>;
}

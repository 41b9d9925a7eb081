// The hash chain itself. Entries before the keyed chain started: hash = sha256(prev_hash ||
// canonical JSON of the entry). From then on: hash = HMAC-SHA256(audit-log key, prev_hash ||
// canonical JSON including the key id), so recomputing a rewritten chain needs the key.
import { canonicalJson } from '../canonical-json';
import { hmacHex, sha256Hex } from '../crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  bundleHash: string;
  keyId?: string | null;
}

export function entryHash(prevHash: string, e: ChainedFields, key?: Buffer | null): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    details: e.details,
    bundle_hash: e.bundleHash,
    ...(e.keyId ? { key_id: e.keyId } : {}),
  });
  if (e.keyId) {
    if (!key) throw new Error(`audit-log key ${e.keyId} is not held`);
    return hmacHex(key, prevHash + body);
  }
  return sha256Hex(prevHash + body);
}

export interface CheckpointFields {
  seq: number;
  hash: string;
  keyedFrom: number;
  reason: string;
  at: Date;
  keyId: string;
}

/** The checkpoint's signature: an HMAC under the audit-log key, so it cannot be forged without it. */
export function checkpointMac(key: Buffer, c: CheckpointFields): string {
  return hmacHex(
    key,
    'lethe-audit-checkpoint:' +
      canonicalJson({
        seq: c.seq,
        hash: c.hash,
        keyed_from: c.keyedFrom,
        reason: c.reason,
        at: c.at.toISOString(),
        key_id: c.keyId,
      }),
  );
}

// The hash chain itself: hash = sha256(prev_hash || canonical JSON of the entry).
import { canonicalJson } from '../canonical-json';
import { sha256Hex } from '../crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  bundleHash: string;
}

export function entryHash(prevHash: string, e: ChainedFields): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    details: e.details,
    bundle_hash: e.bundleHash,
  });
  return sha256Hex(prevHash + body);
}

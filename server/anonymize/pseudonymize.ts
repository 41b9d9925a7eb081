// Pseudonymization of direct identifiers for training data, per column:
//   hmac — HMAC-SHA256 under a per-dataset key, first 20 base32 characters: the same value always
//          gives the same token within the dataset (joins and counts survive), and destroying the key
//          makes the tokens unlinkable for good;
//   mask — format-preserving masking: letters become x/X, digits 0, everything else (@ . - + space)
//          is kept, so a model still sees the shape of an email or a phone number and nothing more.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AnonymizeInputError } from './errors';

export type PseudonymMethod = 'hmac' | 'mask';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function hmacPseudonym(key: Buffer, value: string): string {
  if (value === '') return '';
  const mac = crypto.createHmac('sha256', key).update(value, 'utf8').digest();
  let out = '';
  let bits = 0;
  let acc = 0;
  for (let i = 0; out.length < 20; i++) {
    acc = (acc << 8) | mac[i];
    bits += 8;
    while (bits >= 5 && out.length < 20) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export function maskValue(value: string): string {
  return value
    .replace(/\p{Lu}/gu, 'X')
    .replace(/\p{Ll}|\p{Lo}|\p{Lt}|\p{Lm}/gu, 'x')
    .replace(/\p{Nd}/gu, '0');
}

/** A value → pseudonym function with a cache (identifiers repeat: one HMAC per distinct value). */
export function pseudonymizer(method: PseudonymMethod, key: Buffer | null): (value: string) => string {
  if (method === 'hmac' && (!key || key.length < 16))
    throw new AnonymizeInputError('hmac pseudonyms need a dataset key of at least 16 bytes');
  const cache = new Map<string, string>();
  return (value) => {
    let out = cache.get(value);
    if (out === undefined) {
      out = method === 'hmac' ? hmacPseudonym(key!, value) : maskValue(value);
      if (cache.size < 1_000_000) cache.set(value, out);
    }
    return out;
  };
}

/**
 * The dataset's pseudonym key from a file (hex), created with 32 random bytes (mode 0600) when the
 * file does not exist yet. Deleting the file destroys the key: the tokens can no longer be linked.
 */
export function datasetKey(file: string): Buffer {
  if (!fs.existsSync(file)) {
    const key = crypto.randomBytes(32);
    fs.writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{32,}$/i.test(text))
    throw new AnonymizeInputError(`${file} does not hold a hex key of at least 16 bytes`);
  return Buffer.from(text, 'hex');
}

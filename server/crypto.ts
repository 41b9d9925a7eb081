// Lethe's own handling of the personal data it holds (a requester's identity, TOTP secrets):
// AES-256-GCM at rest, HMAC-SHA256 blind index for lookup. Every key is derived from the one
// master key with HKDF so a key used for one purpose is never reused for another.
//
// Key rotation: the current master key (LETHE_SECRET_KEY) encrypts; older master keys given in
// LETHE_SECRET_KEYRING stay read-only, found by the key id every ciphertext carries. See
// README "Keys and rotation" for what rotation does to each derived key.
import crypto from 'node:crypto';

export type KeyPurpose = 'encryption' | 'blind-index' | 'session' | 'pseudonym' | 'audit-log' | 'policy-cache';

/** Every purpose a key is derived for (the README's key table lists the same). */
export const KEY_PURPOSES: readonly KeyPurpose[] = [
  'encryption',
  'blind-index',
  'session',
  'pseudonym',
  'audit-log',
  'policy-cache',
];

export interface Crypto {
  /** Id of the current master key (8 hex characters); stamped on every ciphertext. */
  keyId: string;
  /** Ids of every key that can decrypt: the current one first, then the keyring. */
  keyIds: string[];
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /** The key id a ciphertext was written under (null for the first format, which carried none). */
  keyIdOf(ciphertext: string | Buffer): string | null;
  /** AES-256-GCM for binary payloads (an access package): magic | kid(4) | iv(12) | tag(16) | ciphertext. */
  encryptBytes(plain: Buffer): Buffer;
  decryptBytes(sealed: Buffer): Buffer;
  /** Deterministic fingerprint for lookup and certificates; never reversible. */
  blindIndex(value: string): string;
  /** The same fingerprint under every key in the keyring (lookups of rows not yet re-indexed). */
  blindIndexes(value: string): string[];
  key(purpose: KeyPurpose): Buffer;
  /** A derived key of the current or a keyring master key, by its id; null when not held. */
  keyFor(purpose: KeyPurpose, keyId: string): Buffer | null;
}

const derive = (master: Buffer, purpose: string) =>
  Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), `lethe:${purpose}`, 32));

/** The public id of a master key: derived, so it reveals nothing about the key. */
export const masterKeyId = (master: Buffer) => derive(master, 'key-id').subarray(0, 4).toString('hex');

const BYTES_MAGIC = Buffer.from('LK2'); // an access package sealed with a key id

export function createCrypto(master: Buffer, keyring: Buffer[] = []): Crypto {
  const masters = new Map<string, Buffer>();
  const currentId = masterKeyId(master);
  masters.set(currentId, master);
  for (const k of keyring) if (!masters.has(masterKeyId(k))) masters.set(masterKeyId(k), k);
  const derived = new Map<string, Buffer>();
  const keyFor = (purpose: KeyPurpose, kid: string) => {
    const m = masters.get(kid);
    if (!m) return null;
    let k = derived.get(`${kid}:${purpose}`);
    if (!k) {
      k = derive(m, purpose);
      derived.set(`${kid}:${purpose}`, k);
    }
    return k;
  };
  const key = (purpose: KeyPurpose) => keyFor(purpose, currentId)!;
  const ids = [...masters.keys()];

  const open = (kid: string, iv: Buffer, tag: Buffer, body: Buffer) => {
    const k = keyFor('encryption', kid);
    if (!k)
      throw new Error(`Ciphertext under key ${kid}, which is neither LETHE_SECRET_KEY nor in LETHE_SECRET_KEYRING`);
    const decipher = crypto.createDecipheriv('aes-256-gcm', k, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  };
  // The first format carried no key id: try every key held, the current one first.
  const openAny = (iv: Buffer, tag: Buffer, body: Buffer) => {
    for (const kid of ids) {
      try {
        return open(kid, iv, tag, body);
      } catch {
        /* next key */
      }
    }
    throw new Error('No key in the keyring decrypts this value');
  };

  return {
    keyId: currentId,
    keyIds: ids,
    key,
    keyFor,
    encrypt(plaintext) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key('encryption'), iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        'v2',
        currentId,
        iv.toString('base64'),
        cipher.getAuthTag().toString('base64'),
        body.toString('base64'),
      ].join('.');
    },
    decrypt(ciphertext) {
      const parts = ciphertext.split('.');
      if (parts[0] === 'v2' && parts.length === 5) {
        const [, kid, iv, tag, body] = parts;
        return open(kid, Buffer.from(iv, 'base64'), Buffer.from(tag, 'base64'), Buffer.from(body, 'base64')).toString(
          'utf8',
        );
      }
      if (parts[0] === 'v1' && parts.length === 4) {
        const [, iv, tag, body] = parts;
        return openAny(Buffer.from(iv, 'base64'), Buffer.from(tag, 'base64'), Buffer.from(body, 'base64')).toString(
          'utf8',
        );
      }
      throw new Error('Unrecognised ciphertext format');
    },
    keyIdOf(ciphertext) {
      if (Buffer.isBuffer(ciphertext))
        return ciphertext.subarray(0, 3).equals(BYTES_MAGIC) ? ciphertext.subarray(3, 7).toString('hex') : null;
      const parts = ciphertext.split('.');
      return parts[0] === 'v2' ? parts[1] : null;
    },
    encryptBytes(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key('encryption'), iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([BYTES_MAGIC, Buffer.from(currentId, 'hex'), iv, cipher.getAuthTag(), body]);
    },
    decryptBytes(sealed) {
      if (sealed.subarray(0, 3).equals(BYTES_MAGIC)) {
        const kid = sealed.subarray(3, 7).toString('hex');
        return open(kid, sealed.subarray(7, 19), sealed.subarray(19, 35), sealed.subarray(35));
      }
      return openAny(sealed.subarray(0, 12), sealed.subarray(12, 28), sealed.subarray(28));
    },
    blindIndex(value) {
      return crypto.createHmac('sha256', key('blind-index')).update(value.trim().toLowerCase()).digest('hex');
    },
    blindIndexes(value) {
      return ids.map((kid) =>
        crypto.createHmac('sha256', keyFor('blind-index', kid)!).update(value.trim().toLowerCase()).digest('hex'),
      );
    },
  };
}

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function hmacHex(key: Buffer, data: string): string {
  return crypto.createHmac('sha256', key).update(data).digest('hex');
}

export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

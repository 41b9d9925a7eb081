// Lethe's own handling of the personal data it holds (a requester's identity, TOTP secrets):
// AES-256-GCM at rest, HMAC-SHA256 blind index for lookup. Every key is derived from the one
// master key with HKDF so a key used for one purpose is never reused for another.
import crypto from 'node:crypto';

export type KeyPurpose = 'encryption' | 'blind-index' | 'session' | 'pseudonym';

export interface Crypto {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /** AES-256-GCM for binary payloads (an access package): iv(12) | tag(16) | ciphertext. */
  encryptBytes(plain: Buffer): Buffer;
  decryptBytes(sealed: Buffer): Buffer;
  /** Deterministic fingerprint for lookup and certificates; never reversible. */
  blindIndex(value: string): string;
  key(purpose: KeyPurpose): Buffer;
}

export function createCrypto(master: Buffer): Crypto {
  const derived = new Map<KeyPurpose, Buffer>();
  const key = (purpose: KeyPurpose) => {
    let k = derived.get(purpose);
    if (!k) {
      k = Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), `lethe:${purpose}`, 32));
      derived.set(purpose, k);
    }
    return k;
  };
  return {
    key,
    encrypt(plaintext) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key('encryption'), iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
    },
    decrypt(ciphertext) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Unrecognised ciphertext format');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key('encryption'), Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    },
    encryptBytes(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key('encryption'), iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptBytes(sealed) {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key('encryption'), sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    },
    blindIndex(value) {
      return crypto.createHmac('sha256', key('blind-index')).update(value.trim().toLowerCase()).digest('hex');
    },
  };
}

export function sha256Hex(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

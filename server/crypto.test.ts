import { describe, it, expect } from 'vitest';
import crypto from 'node:crypto';
import { createCrypto } from './crypto';

describe('crypto', () => {
  const c = createCrypto(crypto.randomBytes(32));

  it('round-trips a value through AES-256-GCM with a fresh IV each time', () => {
    const a = c.encrypt('jane@example.com');
    const b = c.encrypt('jane@example.com');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('jane');
    expect(c.decrypt(a)).toBe('jane@example.com');
  });

  it('refuses a tampered ciphertext', () => {
    const parts = c.encrypt('secret').split('.');
    parts[3] = Buffer.from('tampered').toString('base64');
    expect(() => c.decrypt(parts.join('.'))).toThrow();
  });

  it('gives the same blind index for the same identity regardless of case and spaces', () => {
    expect(c.blindIndex(' Jane@Example.com ')).toBe(c.blindIndex('jane@example.com'));
    expect(c.blindIndex('jane@example.com')).not.toBe(
      createCrypto(crypto.randomBytes(32)).blindIndex('jane@example.com'),
    );
  });
});

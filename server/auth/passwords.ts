import argon2 from 'argon2';

// OWASP's argon2id baseline (19 MiB, t=2) keeps a login under ~50 ms on a 2-core machine.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => argon2.hash(password, OPTIONS);

let dummy: Promise<string> | undefined;

/** Verifies; with no stored hash it still spends the same time, so timing reveals no account. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) {
    dummy ??= argon2.hash('not-a-real-password', OPTIONS);
    await argon2.verify(await dummy, password).catch(() => false);
    return false;
  }
  return argon2.verify(hash, password).catch(() => false);
}

export const PASSWORD_MIN_LENGTH = 12;

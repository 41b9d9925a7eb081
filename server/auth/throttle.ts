// Login throttling in Postgres (shared by every web process). Failures are counted per account
// fingerprint and per client address; the account key is counted whether or not the account
// exists, so a lockout message never tells an attacker which emails are registered.
import type { Knex } from 'knex';

export const ACCOUNT_MAX_FAILURES = 5; // the 6th attempt in a row is refused
export const ADDRESS_MAX_FAILURES = 50;
export const WINDOW_MS = 15 * 60 * 1000;

export async function isLockedOut(db: Knex, keys: { account: string; address: string }, now = new Date()): Promise<boolean> {
  const rows = await db('login_throttle')
    .whereIn('key', [keys.account, keys.address])
    .andWhere('window_started_at', '>', new Date(now.getTime() - WINDOW_MS));
  return rows.some((r) => r.attempts >= (r.key === keys.account ? ACCOUNT_MAX_FAILURES : ADDRESS_MAX_FAILURES));
}

export async function recordFailure(db: Knex, keys: { account: string; address: string }, now = new Date()): Promise<void> {
  const windowStart = new Date(now.getTime() - WINDOW_MS);
  for (const key of [keys.account, keys.address]) {
    await db.raw(
      `INSERT INTO login_throttle (key, attempts, window_started_at) VALUES (?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET
         attempts = CASE WHEN login_throttle.window_started_at > ? THEN login_throttle.attempts + 1 ELSE 1 END,
         window_started_at = CASE WHEN login_throttle.window_started_at > ? THEN login_throttle.window_started_at ELSE EXCLUDED.window_started_at END`,
      [key, now, windowStart, windowStart],
    );
  }
}

export const clearFailures = (db: Knex, accountKey: string) => db('login_throttle').where({ key: accountKey }).del();

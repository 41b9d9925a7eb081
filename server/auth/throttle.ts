// Login throttling in Postgres (shared by every web process). Attempts are counted per account
// fingerprint and per client address; the account key is counted whether or not the account
// exists, so a lockout message never tells an attacker which emails are registered.
//
// An attempt is counted BEFORE the password or code is checked, in one atomic upsert that
// returns the new count: however many requests race, only the first ACCOUNT_MAX_FAILURES get a
// check. An attempt that turns out right is given back (refund), so only failures add up.
import type { Knex } from 'knex';
import type { Deps } from '../deps';

export const ACCOUNT_MAX_FAILURES = 5; // the 6th attempt in a row is refused
export const ADDRESS_MAX_FAILURES = 50;
export const WINDOW_MS = 15 * 60 * 1000;

export interface ThrottleKeys {
  account: string;
  address: string;
}

export type Claim =
  | { allowed: true }
  /** `firstRefusal`: this attempt is the one that found the lock (the one to record). */
  | { allowed: false; firstRefusal: boolean; attempts: number; key: 'account' | 'address' };

/** What the previous window came to when a new one starts: refused attempts worth recording. */
export interface EndedLockout {
  key: string;
  refused: number;
}

/**
 * Counts the attempt for both keys at once and decides from the counts returned. Returns the
 * lockouts whose window just ended with refused attempts (recorded once, with their count).
 */
export async function claimAttempt(
  db: Knex,
  keys: ThrottleKeys,
  now = new Date(),
): Promise<{ claim: Claim; ended: EndedLockout[] }> {
  const windowStart = new Date(now.getTime() - WINDOW_MS);
  const { rows } = await db.raw(
    `WITH previous AS (
       SELECT key, attempts, window_started_at FROM login_throttle WHERE key IN (?, ?)
     )
     INSERT INTO login_throttle (key, attempts, window_started_at) VALUES (?, 1, ?), (?, 1, ?)
     ON CONFLICT (key) DO UPDATE SET
       attempts = CASE WHEN login_throttle.window_started_at > ? THEN login_throttle.attempts + 1 ELSE 1 END,
       window_started_at = CASE WHEN login_throttle.window_started_at > ? THEN login_throttle.window_started_at ELSE EXCLUDED.window_started_at END
     RETURNING key, attempts, window_started_at,
       (SELECT p.attempts FROM previous p WHERE p.key = login_throttle.key AND p.window_started_at <= ?) AS ended_attempts`,
    [keys.account, keys.address, keys.account, now, keys.address, now, windowStart, windowStart, windowStart],
  );
  const max = (key: string) => (key === keys.account ? ACCOUNT_MAX_FAILURES : ADDRESS_MAX_FAILURES);
  const ended: EndedLockout[] = [];
  let claim: Claim = { allowed: true };
  for (const r of rows as { key: string; attempts: number; ended_attempts: number | null }[]) {
    if (r.ended_attempts !== null && r.ended_attempts > max(r.key))
      ended.push({ key: r.key, refused: r.ended_attempts - max(r.key) });
    if (r.attempts > max(r.key)) {
      const firstRefusal = r.attempts === max(r.key) + 1;
      if (claim.allowed || firstRefusal)
        claim = {
          allowed: false,
          firstRefusal,
          attempts: r.attempts,
          key: r.key === keys.account ? 'account' : 'address',
        };
    }
  }
  return { claim, ended };
}

/** Gives back an attempt that was right (the password of a sign-in still due its second factor). */
export async function refundAttempt(db: Knex, keys: ThrottleKeys): Promise<void> {
  await db('login_throttle')
    .whereIn('key', [keys.account, keys.address])
    .andWhere('attempts', '>', 0)
    .decrement('attempts', 1);
}

/** A completed sign-in: the account starts again from zero; the address gets its attempt back. */
export async function clearAttempts(db: Knex, keys: ThrottleKeys): Promise<void> {
  await db('login_throttle').where({ key: keys.account }).del();
  await db('login_throttle').where({ key: keys.address }).andWhere('attempts', '>', 0).decrement('attempts', 1);
}

export const clearFailures = (db: Knex, accountKey: string) => db('login_throttle').where({ key: accountKey }).del();

/** Lapsed throttle windows are deleted; a lockout is audited once when it starts, and the attempts it refused as it ends. */
export async function purgeLapsedThrottles(deps: Pick<Deps, 'db' | 'audit'>, now = new Date()): Promise<number> {
  const ended = await deps
    .db('login_throttle')
    .where('window_started_at', '<', new Date(now.getTime() - WINDOW_MS))
    .del()
    .returning(['key', 'attempts']);
  for (const r of ended) {
    const max = r.key.startsWith('account:') ? ACCOUNT_MAX_FAILURES : ADDRESS_MAX_FAILURES;
    if (r.attempts > max) {
      await deps.audit.append({
        actor: 'system:worker',
        action: 'auth.login.lockout_ended',
        details: { key: r.key.startsWith('account:') ? 'account' : 'address', refused: r.attempts - max },
      });
    }
  }
  return ended.length;
}

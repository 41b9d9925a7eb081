// express-session store on the `sessions` table: every web process shares sessions, and a
// restart signs nobody out.
import session from 'express-session';
import type { Knex } from 'knex';

const DEFAULT_TTL_MS = 8 * 60 * 60 * 1000;
/** An idle session expires at most this much earlier than its cookie says (8 hours). */
export const TOUCH_SLACK_MS = 60_000;

/** Sessions whose stored expiry this process knows (most recently read or written last). */
const KNOWN_EXPIRIES = 10_000;

export class PgSessionStore extends session.Store {
  /** sid → the expiry stored for it, as this process last read or wrote it (never later than stored). */
  private readonly stored = new Map<string, number>();

  constructor(private readonly db: Knex) {
    super();
  }

  private remember(sid: string, expiresAt: Date): void {
    this.stored.delete(sid);
    this.stored.set(sid, expiresAt.getTime());
    if (this.stored.size > KNOWN_EXPIRIES) this.stored.delete(this.stored.keys().next().value!);
  }

  private expiry(sess: session.SessionData): Date {
    const exp = sess.cookie?.expires;
    return exp ? new Date(exp) : new Date(Date.now() + DEFAULT_TTL_MS);
  }

  override get(sid: string, cb: (err: unknown, sess?: session.SessionData | null) => void): void {
    this.db('sessions')
      .where({ sid })
      .andWhere('expires_at', '>', new Date())
      .first('sess', 'expires_at')
      .then((row) => {
        if (row) this.remember(sid, new Date(row.expires_at));
        else this.stored.delete(sid);
        cb(null, row ? row.sess : null);
      }, cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const expiresAt = this.expiry(sess);
    this.db('sessions')
      .insert({ sid, sess: JSON.stringify(sess), expires_at: expiresAt })
      .onConflict('sid')
      .merge()
      .then(
        () => {
          this.remember(sid, expiresAt);
          cb?.();
        },
        (e) => cb?.(e),
      );
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.stored.delete(sid);
    this.db('sessions')
      .where({ sid })
      .del()
      .then(
        () => cb?.(),
        (e) => cb?.(e),
      );
  }

  // express-session touches the session on every request it does not save. Only an expiry that
  // moved by more than TOUCH_SLACK_MS is written: a page open in many tabs (or fifty connections
  // of a load test sharing one cookie) would otherwise queue on the one row's lock per request.
  // When the expiry this process read or wrote is already that recent, no query is sent at all:
  // the stored expiry only moves later (a save by a request that began earlier can set it back by
  // that request's duration, well inside the minute), so the row needs no write either.
  override touch(sid: string, sess: session.SessionData, cb?: () => void): void {
    const expiresAt = this.expiry(sess);
    const threshold = expiresAt.getTime() - TOUCH_SLACK_MS;
    if ((this.stored.get(sid) ?? -Infinity) >= threshold) return cb?.();
    this.db('sessions')
      .where({ sid })
      .andWhere('expires_at', '<', new Date(threshold))
      .update({ expires_at: expiresAt })
      .then(
        (n) => {
          if (n) this.remember(sid, expiresAt);
          cb?.();
        },
        () => cb?.(),
      );
  }
}

export const purgeExpiredSessions = (db: Knex) => db('sessions').where('expires_at', '<', new Date()).del();

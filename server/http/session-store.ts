// express-session store on the `sessions` table: every web process shares sessions, and a
// restart signs nobody out.
import session from 'express-session';
import type { Knex } from 'knex';

const DEFAULT_TTL_MS = 8 * 60 * 60 * 1000;
/** An idle session expires at most this much earlier than its cookie says (8 hours). */
export const TOUCH_SLACK_MS = 60_000;

export class PgSessionStore extends session.Store {
  constructor(private readonly db: Knex) {
    super();
  }

  private expiry(sess: session.SessionData): Date {
    const exp = sess.cookie?.expires;
    return exp ? new Date(exp) : new Date(Date.now() + DEFAULT_TTL_MS);
  }

  override get(sid: string, cb: (err: unknown, sess?: session.SessionData | null) => void): void {
    this.db('sessions')
      .where({ sid })
      .andWhere('expires_at', '>', new Date())
      .first('sess')
      .then((row) => cb(null, row ? row.sess : null), cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.db('sessions')
      .insert({ sid, sess: JSON.stringify(sess), expires_at: this.expiry(sess) })
      .onConflict('sid')
      .merge()
      .then(
        () => cb?.(),
        (e) => cb?.(e),
      );
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
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
  override touch(sid: string, sess: session.SessionData, cb?: () => void): void {
    const expiresAt = this.expiry(sess);
    this.db('sessions')
      .where({ sid })
      .andWhere('expires_at', '<', new Date(expiresAt.getTime() - TOUCH_SLACK_MS))
      .update({ expires_at: expiresAt })
      .then(
        () => cb?.(),
        () => cb?.(),
      );
  }
}

export const purgeExpiredSessions = (db: Knex) => db('sessions').where('expires_at', '<', new Date()).del();

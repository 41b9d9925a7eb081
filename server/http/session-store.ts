// express-session store on the `sessions` table: every web process shares sessions, and a
// restart signs nobody out.
import session from 'express-session';
import type { Knex } from 'knex';

const DEFAULT_TTL_MS = 8 * 60 * 60 * 1000;

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

  override touch(sid: string, sess: session.SessionData, cb?: () => void): void {
    this.db('sessions')
      .where({ sid })
      .update({ expires_at: this.expiry(sess) })
      .then(
        () => cb?.(),
        () => cb?.(),
      );
  }
}

export const purgeExpiredSessions = (db: Knex) => db('sessions').where('expires_at', '<', new Date()).del();

// Anonymous traffic is rate-limited per client address, counted in Postgres (one upsert per
// request, shared by every web process): a flood from one address gets 429s, not sessions,
// audit entries or metric labels. Signed-in principals and valid API tokens are not counted.
import type { Request, RequestHandler } from 'express';
import type { Knex } from 'knex';
import { DomainError } from '../errors';

const WINDOW_MS = 60_000;

/** Thrown when one address sends more anonymous requests in a minute than LETHE_ANON_RATE_LIMIT. */
export class RateLimitedError extends DomainError {
  override readonly status = 429;
  override readonly code = 'rate_limited';
  constructor() {
    super('Too many requests from your address. Wait a minute, then try again.');
  }
}

/** Counts one request for the address; true while it is within the limit. */
export async function countAnonymous(db: Knex, address: string, limit: number, now = new Date()): Promise<boolean> {
  const windowStart = new Date(now.getTime() - WINDOW_MS);
  const { rows } = await db.raw(
    `INSERT INTO anon_rate_limit (address, window_started_at, requests) VALUES (?, ?, 1)
     ON CONFLICT (address) DO UPDATE SET
       requests = CASE WHEN anon_rate_limit.window_started_at > ? THEN anon_rate_limit.requests + 1 ELSE 1 END,
       window_started_at = CASE WHEN anon_rate_limit.window_started_at > ? THEN anon_rate_limit.window_started_at ELSE EXCLUDED.window_started_at END
     RETURNING requests`,
    [address, now, windowStart, windowStart],
  );
  return Number(rows[0].requests) <= limit;
}

export const addressOf = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/** For the web stack, after the principal is resolved: only anonymous requests are counted. */
export function anonymousRateLimit(db: Knex, limit: number): RequestHandler {
  return async (req, _res, next) => {
    if (req.principal || req.session?.pendingUserId || req.path.startsWith('/static/')) return next();
    if (!(await countAnonymous(db, addressOf(req), limit))) throw new RateLimitedError();
    next();
  };
}

export const purgeRateLimits = (db: Knex) =>
  db('anon_rate_limit')
    .where('window_started_at', '<', new Date(Date.now() - WINDOW_MS))
    .del();

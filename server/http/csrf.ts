// Synchronizer-token CSRF protection: every form carries the session's token in `_csrf`.
// Bearer-token API calls carry no cookies, so they cannot be forged cross-site and are exempt.
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import { CsrfError } from '../errors';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrf(): RequestHandler {
  return (req, res, next) => {
    if (req.viaToken) return next();
    if (!req.session.csrfToken) req.session.csrfToken = crypto.randomBytes(24).toString('base64url');
    res.locals.csrfToken = req.session.csrfToken;
    if (SAFE.has(req.method)) return next();
    const sent = String(req.body?._csrf ?? req.get('x-csrf-token') ?? '');
    const expected = req.session.csrfToken;
    const ok = sent.length === expected.length && crypto.timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
    if (!ok) throw new CsrfError('This form has expired or did not come from Lethe. Reload the page and try again.');
    next();
  };
}

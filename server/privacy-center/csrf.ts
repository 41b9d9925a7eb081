// CSRF protection for the public forms without a session per visitor: a signed double submit.
// The page sets a random nonce in a cookie (SameSite=Strict, HttpOnly, scoped to the privacy
// center) and puts HMAC(secret, nonce) in the form. A POST must carry both, and the form's value
// must be the HMAC of the cookie's nonce: another site can neither read the cookie nor forge the
// MAC without the secret (LETHE_PRIVACY_CENTER_SECRET, or derived from LETHE_SECRET_KEY).
import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { CsrfError } from '../errors';

export const CSRF_COOKIE = 'lethe.pc';
const PATH = '/privacy-center';

const nonceOf = (req: Request): string | null => {
  const m = /(?:^|;\s*)lethe\.pc=([A-Za-z0-9_-]{22,64})(?:;|$)/.exec(req.get('cookie') ?? '');
  return m ? m[1] : null;
};

const mac = (secret: Buffer, nonce: string) => crypto.createHmac('sha256', secret).update(nonce).digest('base64url');

/** The token for a page's forms: the visitor's nonce (set as a cookie when new), signed. */
export function issueCsrf(secret: Buffer, req: Request, res: Response): string {
  let nonce = nonceOf(req);
  if (!nonce) {
    nonce = crypto.randomBytes(24).toString('base64url');
    res.cookie(CSRF_COOKIE, nonce, { path: PATH, httpOnly: true, sameSite: 'strict', secure: req.secure });
  }
  return mac(secret, nonce);
}

/** Refuses a POST whose form token is not the signature of its cookie's nonce. */
export function checkCsrf(secret: Buffer): RequestHandler {
  return (req, _res, next) => {
    const nonce = nonceOf(req);
    const sent = String(req.body?._csrf ?? '');
    const expected = nonce ? mac(secret, nonce) : '';
    const ok =
      expected.length > 0 &&
      sent.length === expected.length &&
      crypto.timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
    next(
      ok
        ? undefined
        : new CsrfError(
            'This form has expired or did not come from this site. Go back, reload the page and try again.',
          ),
    );
  };
}

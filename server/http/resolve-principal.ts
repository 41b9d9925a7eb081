// Resolves who is calling: a Bearer token (API) or the session's signed-in user. A user whose
// role requires MFA counts as signed in only after the second factor.
import type { RequestHandler } from 'express';
import type { Deps } from '../deps';
import { userById } from '../auth';
import { userPrincipal } from '../auth';
import { UnauthenticatedError } from '../errors';

/** The longest a sign-in lasts, active or not; then the person signs in again. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;

export function resolvePrincipal({ db, auth }: Pick<Deps, 'db' | 'auth'>): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const principal = match ? await auth.principalFromToken(match[1]) : null;
      if (!principal) throw new UnauthenticatedError('The API token is missing, malformed, unknown or revoked.');
      req.principal = principal;
      req.viaToken = true;
      return next();
    }
    const userId = req.session?.userId;
    // However often it is used, a sign-in lasts SESSION_ABSOLUTE_MS at most (sessions from
    // before signedInAt was recorded count as expired).
    if (userId && Date.now() - (req.session.signedInAt ?? 0) > SESSION_ABSOLUTE_MS) {
      delete req.session.userId;
      delete req.session.mfaVerified;
    } else if (userId) {
      const user = await userById(db, userId);
      const mfaOk = !auth.mfaRequired(user?.role ?? '') || (req.session.mfaVerified && user?.mfa_enrolled_at);
      if (user && !user.disabled_at && mfaOk) req.principal = userPrincipal(user);
    }
    next();
  };
}

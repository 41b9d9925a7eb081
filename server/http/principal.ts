// Resolves who is calling: a Bearer token (API) or the session's signed-in user. A user whose
// role requires MFA counts as signed in only after the second factor.
import type { RequestHandler } from 'express';
import type { Deps } from '../deps';
import { userById } from '../auth/queries';
import { userPrincipal } from '../auth/principal';
import { UnauthenticatedError } from '../errors';

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
    if (userId) {
      const user = await userById(db, userId);
      const mfaOk = !auth.mfaRequired(user?.role ?? '') || (req.session.mfaVerified && user?.mfa_enrolled_at);
      if (user && !user.disabled_at && mfaOk) req.principal = userPrincipal(user);
    }
    next();
  };
}

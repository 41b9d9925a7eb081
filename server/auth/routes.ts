import { Router, type Request, type Response } from 'express';
import { RETURN_TO_COOKIE } from '../http/error-handler';
import { z } from 'zod';
import type { Deps } from '../deps';
import { declare, type RouteSpec } from '../http/guard';
import { formError, noErrors, parseForm } from '../http/forms';
import { userById } from './queries';
import { enrolmentQrSvg } from './totp';

const loginSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address'),
  password: z.string().min(1, 'Enter your password'),
});
const codeSchema = z.object({ code: z.string().trim().min(1, 'Enter the code from your authenticator app') });

const INVALID = 'The email address or password is not right.';
const LOCKED = 'Too many attempts. Wait 15 minutes, then try again.';
// A code that already signed in is refused like a wrong one; the hint tells a person who signs in
// twice within 30 seconds what to do.
const CODE_INVALID =
  'That code is not right, has expired or has already been used. Wait for the next code and try again.';

/** express-session's regenerate as a promise: a fresh session id at every privilege change. */
function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

/** Where to go after signing in: the session's (carried through MFA), else the cookie's. */
function returnToOf(req: Request): string | undefined {
  if (req.session.returnTo) return req.session.returnTo;
  const m = new RegExp(`(?:^|;\\s*)${RETURN_TO_COOKIE.replace('.', '\\.')}=([^;]*)`).exec(req.get('cookie') ?? '');
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]) || undefined;
  } catch {
    return undefined;
  }
}

async function signIn(req: Request, res: Response, userId: string, mfaVerified: boolean) {
  const returnTo = returnToOf(req);
  await regenerate(req);
  req.session.userId = userId;
  req.session.mfaVerified = mfaVerified;
  req.session.signedInAt = Date.now();
  res.clearCookie(RETURN_TO_COOKIE, { path: '/login' });
  return returnTo && returnTo.startsWith('/') && !returnTo.startsWith('//') && !returnTo.startsWith('/\\')
    ? returnTo
    : '/';
}

/** The enrolment secret from the session; null when it cannot be opened (a key rotated since). */
function openEnrolmentSecret(deps: Deps, sealed: string): string | null {
  try {
    return deps.crypto.decrypt(sealed);
  } catch {
    return null;
  }
}

export function authRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const { auth } = deps;
  const address = (req: Request) => req.ip ?? 'unknown';

  r.get('/login', 'public', async (req, res) => {
    if (req.principal) return res.redirect(303, '/');
    await res.page('auth/login', { title: 'Sign in', values: {}, errors: noErrors });
  });

  r.post('/login', 'public', async (req, res) => {
    const form = parseForm(loginSchema, req.body);
    const values = { email: String(req.body?.email ?? '') };
    if (!form.ok) return res.page('auth/login', { title: 'Sign in', values, errors: form.errors }, 422);
    const outcome = await auth.passwordLogin(form.data.email, form.data.password, address(req));
    if (outcome.kind === 'locked')
      return res.page('auth/login', { title: 'Sign in', values, errors: formError('email', LOCKED) }, 429);
    if (outcome.kind === 'invalid')
      return res.page('auth/login', { title: 'Sign in', values, errors: formError('email', INVALID) }, 422);
    if (outcome.kind === 'ok') return res.redirect(303, await signIn(req, res, outcome.user.id, false));
    const returnTo = returnToOf(req);
    await regenerate(req);
    req.session.pendingUserId = outcome.user.id;
    req.session.returnTo = returnTo;
    res.redirect(303, outcome.kind === 'mfa_required' ? '/login/mfa' : '/mfa/enrol');
  });

  r.get('/login/mfa', 'public', async (req, res) => {
    if (!req.session.pendingUserId) return res.redirect(303, '/login');
    await res.page('auth/mfa', { title: 'Two-factor authentication', errors: noErrors });
  });

  r.post('/login/mfa', 'public', async (req, res) => {
    const pending = req.session.pendingUserId;
    if (!pending) return res.redirect(303, '/login');
    const form = parseForm(codeSchema, req.body);
    if (!form.ok) return res.page('auth/mfa', { title: 'Two-factor authentication', errors: form.errors }, 422);
    const outcome = await auth.verifyMfa(pending, form.data.code, address(req));
    if (outcome.kind === 'locked')
      return res.page('auth/mfa', { title: 'Two-factor authentication', errors: formError('code', LOCKED) }, 429);
    if (outcome.kind === 'invalid')
      return res.page('auth/mfa', { title: 'Two-factor authentication', errors: formError('code', CODE_INVALID) }, 422);
    res.redirect(303, await signIn(req, res, outcome.user.id, true));
  });

  r.get('/mfa/enrol', 'public', async (req, res) => {
    const userId = req.session.pendingUserId ?? req.session.userId;
    const user = userId ? await userById(deps.db, userId) : undefined;
    if (!user) return res.redirect(303, '/login');
    if (user.mfa_enrolled_at) return res.redirect(303, '/');
    const { secret, qrSvg } = await auth.beginEnrolment(user);
    req.session.pendingEnrolmentSecret = deps.crypto.encrypt(secret);
    await res.page('auth/enrol', { title: 'Set up two-factor authentication', qrSvg, secret, errors: noErrors });
  });

  r.post('/mfa/enrol', 'public', async (req, res) => {
    const userId = req.session.pendingUserId ?? req.session.userId;
    const sealed = req.session.pendingEnrolmentSecret;
    const secret = sealed ? openEnrolmentSecret(deps, sealed) : null;
    const user = userId ? await userById(deps.db, userId) : undefined;
    if (!user || !secret) return res.redirect(303, '/login');
    const form = parseForm(codeSchema, req.body);
    const codes = form.ok ? await auth.confirmEnrolment(user.id, secret, form.data.code) : null;
    if (!codes) {
      const qrSvg = enrolmentQrSvg(user.email, secret);
      const errors = form.ok
        ? formError('code', 'That code is not right. Check the clock on your device and try the next code.')
        : form.errors;
      return res.page(
        'auth/enrol',
        { title: 'Set up two-factor authentication', qrSvg: await qrSvg, secret, errors },
        422,
      );
    }
    const next = await signIn(req, res, user.id, true);
    await res.page('auth/recovery-codes', { title: 'Save your recovery codes', codes, next });
  });

  r.post('/logout', 'public', async (req, res) => {
    if (req.principal) await deps.audit.append({ actor: req.principal.id, action: 'auth.logout' });
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('lethe.sid');
    res.redirect(303, '/login');
  });

  return router;
}

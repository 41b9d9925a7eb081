// The invitation link from the email: the invited person sets their own password; the account
// exists from then on, and signing in takes them through MFA enrolment where the role needs it.
import { Router } from 'express';
import type { Deps } from '../deps';
import { declare, type RouteSpec } from '../http/guard';
import { parseForm, noErrors } from '../http/forms';
import { acceptSchema, createInvitations } from './invitations';
import { NotFoundError } from '../errors';

const GONE =
  'This invitation link is not valid: it was used already, it expired, or it was cancelled. Ask an administrator to invite you again.';

export function invitationRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const invitations = createInvitations(deps);

  r.get('/invitations/:token', 'public', async (req, res) => {
    const invitation = await invitations.byToken(String(req.params.token));
    if (!invitation || (invitation.needs_approval && !invitation.approved_at)) throw new NotFoundError(GONE);
    res.set('Cache-Control', 'no-store');
    await res.page('auth/invitation', {
      title: 'Set your password',
      invitation,
      errors: noErrors,
      mfa: deps.auth.mfaRequired(invitation.role),
    });
  });

  r.post('/invitations/:token', 'public', async (req, res) => {
    const token = String(req.params.token);
    const invitation = await invitations.byToken(token);
    if (!invitation) throw new NotFoundError(GONE);
    const form = parseForm(acceptSchema, req.body);
    if (!form.ok)
      return res.page(
        'auth/invitation',
        { title: 'Set your password', invitation, errors: form.errors, mfa: deps.auth.mfaRequired(invitation.role) },
        422,
      );
    const user = await invitations.accept(token, form.data.password);
    if (!user) throw new NotFoundError(GONE);
    res.flash(
      'success',
      deps.auth.mfaRequired(user.role)
        ? 'Your password is set. Sign in now; you will set up two-factor authentication next.'
        : 'Your password is set. Sign in now.',
    );
    res.redirect(303, '/login');
  });

  return router;
}

import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { noErrors, parseForm, formError, type FormErrors } from '../http/forms';
import { actorNames } from '../http/actors';
import { type AccountChange } from '../auth/service';
import { createInvitations, inviteSchema, pendingInvitations, pendingRoleChanges } from '../auth';
import { listTokens, listUsers, type UserRow } from '../auth';
import { breakGlassEntries } from '../audit-log';
import { NotFoundError } from '../errors';
import { paths } from '../http/paths';

const roleSchema = z.object({ role: z.string().min(1, 'Choose a role') });
const uuid = z.uuid();

const SELF = {
  disable: 'You cannot disable your own account. Ask another admin to do it.',
  enable: 'You cannot enable your own account. Ask another admin to do it.',
  role: 'You cannot change your own role. Ask another admin to do it.',
  mfa: 'You cannot reset your own two-factor authentication. Ask another admin to do it.',
};

export function adminRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const roles = () =>
    deps.policies.current().access.roles.map((x) => ({ value: x.name, label: x.name.replace(/_/g, ' ') }));
  const isRole = (role: string) => roles().some((x) => x.value === role);

  const invitations = createInvitations(deps);
  const usersPage = async (
    res: Response,
    values: Record<string, string>,
    errors: FormErrors = noErrors,
    status = 200,
  ) => {
    const users = await listUsers(deps.db);
    const invites = await pendingInvitations(deps.db);
    const changes = await pendingRoleChanges(deps.db);
    // What was done through the CLI, outside invitations and second approvals.
    const breakglass = await breakGlassEntries(deps.db, 20);
    const names = await actorNames(deps.db, [
      ...invites.map((i) => i.invited_by),
      ...changes.flatMap((c) => [c.requested_by, `user:${c.user_id}`]),
      ...breakglass.map((b) => b.target).filter((x) => x.startsWith('user:')),
    ]);
    await res.page(
      'admin/users',
      { title: 'Users', users, roles: roles(), values, errors, invites, changes, breakglass, names },
      status,
    );
  };

  /** Flashes what an account change came to and returns to the Users page; an unknown user is a 404. */
  const afterChange = (
    res: Response,
    result: AccountChange,
    messages: { ok: (u: UserRow) => string; unchanged: (u: UserRow) => string; self: string },
  ) => {
    if (result.kind === 'not_found') throw new NotFoundError('No such user.');
    if (result.kind === 'self') res.flash('error', messages.self);
    else if (result.kind === 'unchanged') res.flash('info', messages.unchanged(result.user));
    else res.flash('success', messages.ok(result.user));
    res.redirect(303, paths.admin.users());
  };
  const userId = (raw: string | string[] | undefined) => {
    const id = uuid.safeParse(raw);
    if (!id.success) throw new NotFoundError('No such user.');
    return id.data;
  };

  r.get('/admin/users', can('read', 'user'), async (_req, res) => {
    await usersPage(res, { role: 'compliance_officer' });
  });

  // A new account is an invitation: the link goes to the person by email, never to this page.
  r.post('/admin/users', can('create', 'user'), async (req, res) => {
    const values = {
      email: String(req.body?.email ?? ''),
      displayName: String(req.body?.displayName ?? ''),
      role: String(req.body?.role ?? ''),
    };
    const form = parseForm(inviteSchema, req.body);
    if (!form.ok) return usersPage(res, values, form.errors, 422);
    const outcome = await invitations.invite(form.data, req.principal!.id);
    if (outcome.kind === 'invalid') return usersPage(res, values, formError(outcome.field, outcome.message), 422);
    res.flash(
      outcome.kind === 'sent' ? 'success' : 'info',
      outcome.kind === 'sent'
        ? `Invitation sent to ${form.data.email}. They set their own password through the link in it.`
        : `Invitation to ${form.data.email} recorded. The role ${form.data.role.replace(/_/g, ' ')} has access to data-subject requests, so another admin must approve it before the email goes out.`,
    );
    res.redirect(303, paths.admin.users());
  });

  r.post('/admin/invitations/:id/approve', can('create', 'user'), async (req, res) => {
    const outcome = await invitations.approveInvitation(userId(req.params.id), req.principal!.id);
    if (outcome.kind === 'not_found') throw new NotFoundError('No such invitation awaiting approval.');
    if (outcome.kind === 'self') res.flash('error', 'You asked for this invitation, so another admin must approve it.');
    else res.flash('success', 'Invitation approved and sent.');
    res.redirect(303, paths.admin.users());
  });

  r.post('/admin/invitations/:id/cancel', can('create', 'user'), async (req, res) => {
    if (!(await invitations.cancelInvitation(userId(req.params.id), req.principal!.id)))
      throw new NotFoundError('No such open invitation.');
    res.flash('success', 'Invitation cancelled; its link no longer works.');
    res.redirect(303, paths.admin.users());
  });

  r.post('/admin/role-changes/:id/approve', can('update', 'user'), async (req, res) => {
    const outcome = await invitations.decideRoleChange(userId(req.params.id), true, req.principal!.id);
    if (outcome.kind === 'not_found') throw new NotFoundError('No such role change awaiting approval.');
    if (outcome.kind === 'self')
      res.flash(
        'error',
        'You asked for this role change (or it is your own account), so another admin must approve it.',
      );
    else res.flash('success', 'Role change approved and applied; the person was signed out.');
    res.redirect(303, paths.admin.users());
  });

  r.post('/admin/role-changes/:id/refuse', can('update', 'user'), async (req, res) => {
    if ((await invitations.decideRoleChange(userId(req.params.id), false, req.principal!.id)).kind === 'not_found')
      throw new NotFoundError('No such role change awaiting approval.');
    res.flash('success', 'Role change refused.');
    res.redirect(303, paths.admin.users());
  });

  r.post('/admin/users/:id/reset-mfa', can('reset_mfa', 'user'), async (req, res) => {
    afterChange(res, await deps.auth.resetMfa(userId(req.params.id), req.principal!.id), {
      ok: (u) => `Two-factor authentication was reset for ${u.email}. They enrol again at next sign-in.`,
      unchanged: (u) => `${u.email} has no two-factor authentication to reset.`,
      self: SELF.mfa,
    });
  });

  r.post('/admin/users/:id/disable', can('update', 'user'), async (req, res) => {
    afterChange(res, await deps.auth.setDisabled(userId(req.params.id), true, req.principal!.id), {
      ok: (u) =>
        `${u.email} is disabled and was signed out everywhere. They cannot sign in until an admin enables the account again.`,
      unchanged: (u) => `${u.email} was already disabled.`,
      self: SELF.disable,
    });
  });

  r.post('/admin/users/:id/enable', can('update', 'user'), async (req, res) => {
    afterChange(res, await deps.auth.setDisabled(userId(req.params.id), false, req.principal!.id), {
      ok: (u) => `${u.email} is enabled again and can sign in.`,
      unchanged: (u) => `${u.email} was already enabled.`,
      self: SELF.enable,
    });
  });

  r.post('/admin/users/:id/role', can('update', 'user'), async (req, res) => {
    const id = userId(req.params.id);
    const form = parseForm(roleSchema, req.body);
    if (!form.ok || !isRole(form.data.role)) {
      return usersPage(
        res,
        { role: 'compliance_officer' },
        formError(`role-${id}`, 'Choose one of the roles the access policy defines'),
        422,
      );
    }
    const role = form.data.role;
    const asked = await invitations.requestRoleChange(id, role, req.principal!.id);
    if (asked.kind === 'awaiting_approval' || asked.kind === 'already_pending') {
      res.flash(
        'info',
        asked.kind === 'already_pending'
          ? `${asked.user.email} already has a role change awaiting approval.`
          : `The role ${role.replace(/_/g, ' ')} gives ${asked.user.email} access to data-subject requests: another admin must approve the change.`,
      );
      return res.redirect(303, paths.admin.users());
    }
    afterChange(res, asked.kind === 'applied' ? asked.result : asked, {
      ok: (u) =>
        `${u.email} now has the role ${role.replace(/_/g, ' ')} and was signed out; they sign in again with its permissions.` +
        (deps.auth.mfaRequired(role) && !u.mfa_enrolled_at
          ? ' They will set up two-factor authentication at that sign-in.'
          : ''),
      unchanged: (u) => `${u.email} already has the role ${role.replace(/_/g, ' ')}.`,
      self: SELF.role,
    });
  });

  // Every token, whose it is and who minted it; tokens are minted by their owners (My API tokens)
  // or, break-glass, through the CLI on someone's behalf.
  const tokensPage = async (res: Response) => {
    const tokens = await listTokens(deps.db);
    const creators = await actorNames(
      deps.db,
      tokens.flatMap((t) => [t.created_by, ...(t.owner_id ? [`user:${t.owner_id}`] : [])]),
    );
    await res.page('admin/tokens', { title: 'API tokens', tokens, creators });
  };

  r.get('/admin/tokens', can('read', 'token'), async (_req, res) => {
    await tokensPage(res);
  });

  r.post('/admin/tokens/:id/revoke', can('revoke', 'token'), async (req, res) => {
    const id = uuid.safeParse(req.params.id);
    if (!id.success || !(await deps.auth.revokeToken(id.data, req.principal!.id)))
      throw new NotFoundError('No such active token.');
    res.flash('success', 'Token revoked.');
    res.redirect(303, paths.admin.tokens());
  });

  return router;
}

import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { noErrors, parseForm, formError, type FormErrors } from '../http/forms';
import { actorNames } from '../http/actors';
import { newUserSchema, type AccountChange } from '../auth/service';
import { listTokens, listUsers, userByEmail, type UserRow } from '../auth/queries';
import { NotFoundError } from '../errors';

declare module 'express-session' {
  interface SessionData {
    /** A just-created API token (encrypted), shown once by the next GET /admin/tokens, then dropped. */
    newToken?: string;
  }
}

const tokenSchema = z.object({
  name: z.string().trim().min(1, 'Name the token after what uses it').max(80),
  role: z.string().min(1, 'Choose a role'),
});
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
  const roles = () => deps.policies.current().access.roles.map((x) => ({ value: x.name, label: x.name.replace(/_/g, ' ') }));
  const isRole = (role: string) => roles().some((x) => x.value === role);

  const usersPage = async (res: Response, values: Record<string, string>, errors: FormErrors = noErrors, status = 200) =>
    res.page('admin/users', { title: 'Users', users: await listUsers(deps.db), roles: roles(), values, errors }, status);

  /** Flashes what an account change came to and returns to the Users page; an unknown user is a 404. */
  const afterChange = (res: Response, result: AccountChange, messages: { ok: (u: UserRow) => string; unchanged: (u: UserRow) => string; self: string }) => {
    if (result.kind === 'not_found') throw new NotFoundError('No such user.');
    if (result.kind === 'self') res.flash('error', messages.self);
    else if (result.kind === 'unchanged') res.flash('info', messages.unchanged(result.user));
    else res.flash('success', messages.ok(result.user));
    res.redirect(303, '/admin/users');
  };
  const userId = (raw: string | string[] | undefined) => {
    const id = uuid.safeParse(raw);
    if (!id.success) throw new NotFoundError('No such user.');
    return id.data;
  };

  r.get('/admin/users', can('read', 'user'), async (_req, res) => {
    await usersPage(res, { role: 'compliance_officer' });
  });

  r.post('/admin/users', can('create', 'user'), async (req, res) => {
    const values = { email: String(req.body?.email ?? ''), displayName: String(req.body?.displayName ?? ''), role: String(req.body?.role ?? '') };
    const form = parseForm(newUserSchema, req.body);
    if (!form.ok) return usersPage(res, values, form.errors, 422);
    if (!isRole(form.data.role)) return usersPage(res, values, formError('role', 'Choose one of the roles the access policy defines'), 422);
    if (await userByEmail(deps.db, form.data.email)) return usersPage(res, values, formError('email', 'A user with this email address already exists'), 422);
    await deps.auth.createUser(form.data, req.principal!.id);
    res.flash('success', `User ${form.data.email} created. They will set up two-factor authentication at first sign-in if their role requires it.`);
    res.redirect(303, '/admin/users');
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
      ok: (u) => `${u.email} is disabled and was signed out everywhere. They cannot sign in until an admin enables the account again.`,
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
      return usersPage(res, { role: 'compliance_officer' }, formError(`role-${id}`, 'Choose one of the roles the access policy defines'), 422);
    }
    const role = form.data.role;
    afterChange(res, await deps.auth.setRole(id, role, req.principal!.id), {
      ok: (u) =>
        `${u.email} now has the role ${role.replace(/_/g, ' ')} and was signed out; they sign in again with its permissions.` +
        (deps.auth.mfaRequired(role) && !u.mfa_enrolled_at ? ' They will set up two-factor authentication at that sign-in.' : ''),
      unchanged: (u) => `${u.email} already has the role ${role.replace(/_/g, ' ')}.`,
      self: SELF.role,
    });
  });

  const tokensPage = async (res: Response, values: Record<string, string>, errors: FormErrors = noErrors, status = 200, created?: string) => {
    const tokens = await listTokens(deps.db);
    const creators = await actorNames(deps.db, tokens.map((t) => t.created_by));
    await res.page('admin/tokens', { title: 'API tokens', tokens, creators, roles: roles(), values, errors, created }, status);
  };

  r.get('/admin/tokens', can('read', 'token'), async (req, res) => {
    const sealed = req.session.newToken;
    delete req.session.newToken;
    // The one page that shows the token: keep it out of browser and proxy caches.
    if (sealed) res.set('Cache-Control', 'no-store');
    await tokensPage(res, { role: 'compliance_officer' }, noErrors, 200, sealed ? deps.crypto.decrypt(sealed) : undefined);
  });

  r.post('/admin/tokens', can('create', 'token'), async (req, res) => {
    const values = { name: String(req.body?.name ?? ''), role: String(req.body?.role ?? '') };
    const form = parseForm(tokenSchema, req.body);
    if (!form.ok) return tokensPage(res, values, form.errors, 422);
    if (!isRole(form.data.role)) return tokensPage(res, values, formError('role', 'Choose one of the roles the access policy defines'), 422);
    const { token } = await deps.auth.createToken(form.data, req.principal!.id);
    // Post/redirect/get, so a refresh cannot mint a second token. The token waits in the session
    // (encrypted: the sessions table is no place for a live credential) until that GET shows it.
    req.session.newToken = deps.crypto.encrypt(token);
    res.redirect(303, '/admin/tokens');
  });

  r.post('/admin/tokens/:id/revoke', can('revoke', 'token'), async (req, res) => {
    const id = uuid.safeParse(req.params.id);
    if (!id.success || !(await deps.auth.revokeToken(id.data, req.principal!.id))) throw new NotFoundError('No such active token.');
    res.flash('success', 'Token revoked.');
    res.redirect(303, '/admin/tokens');
  });

  return router;
}

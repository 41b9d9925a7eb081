import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { noErrors, parseForm, formError } from '../http/forms';
import { newUserSchema } from '../auth/service';
import { listTokens, listUsers, userByEmail } from '../auth/queries';
import { NotFoundError } from '../errors';

const tokenSchema = z.object({
  name: z.string().trim().min(1, 'Name the token after what uses it').max(80),
  role: z.string().min(1, 'Choose a role'),
});
const uuid = z.uuid();

export function adminRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const roles = () => deps.policies.current().access.roles.map((x) => ({ value: x.name, label: x.name.replace(/_/g, ' ') }));

  const usersPage = async (res: Parameters<Parameters<typeof r.get>[2]>[1], values: Record<string, string>, errors = noErrors, status = 200) =>
    res.page('admin/users', { title: 'Users', users: await listUsers(deps.db), roles: roles(), values, errors }, status);

  r.get('/admin/users', can('read', 'user'), async (_req, res) => {
    await usersPage(res, { role: 'compliance_officer' });
  });

  r.post('/admin/users', can('create', 'user'), async (req, res) => {
    const values = { email: String(req.body?.email ?? ''), displayName: String(req.body?.displayName ?? ''), role: String(req.body?.role ?? '') };
    const form = parseForm(newUserSchema, req.body);
    if (!form.ok) return usersPage(res, values, form.errors, 422);
    if (!roles().some((x) => x.value === form.data.role)) return usersPage(res, values, formError('role', 'Choose one of the roles the access policy defines'), 422);
    if (await userByEmail(deps.db, form.data.email)) return usersPage(res, values, formError('email', 'A user with this email address already exists'), 422);
    await deps.auth.createUser(form.data, req.principal!.id);
    res.flash('success', `User ${form.data.email} created. They will set up two-factor authentication at first sign-in if their role requires it.`);
    res.redirect(303, '/admin/users');
  });

  r.post('/admin/users/:id/reset-mfa', can('reset_mfa', 'user'), async (req, res) => {
    const id = uuid.safeParse(req.params.id);
    if (!id.success || !(await deps.auth.resetMfa(id.data, req.principal!.id))) throw new NotFoundError('No such user.');
    res.flash('success', 'Two-factor authentication was reset. The user enrols again at next sign-in.');
    res.redirect(303, '/admin/users');
  });

  const tokensPage = async (res: Parameters<Parameters<typeof r.get>[2]>[1], values: Record<string, string>, errors = noErrors, status = 200, created?: string) =>
    res.page('admin/tokens', { title: 'API tokens', tokens: await listTokens(deps.db), roles: roles(), values, errors, created }, status);

  r.get('/admin/tokens', can('read', 'token'), async (_req, res) => {
    await tokensPage(res, { role: 'compliance_officer' });
  });

  r.post('/admin/tokens', can('create', 'token'), async (req, res) => {
    const values = { name: String(req.body?.name ?? ''), role: String(req.body?.role ?? '') };
    const form = parseForm(tokenSchema, req.body);
    if (!form.ok) return tokensPage(res, values, form.errors, 422);
    if (!roles().some((x) => x.value === form.data.role)) return tokensPage(res, values, formError('role', 'Choose one of the roles the access policy defines'), 422);
    const { token } = await deps.auth.createToken(form.data, req.principal!.id);
    // Shown once, never stored: the page is rendered directly rather than redirected.
    await tokensPage(res, { role: form.data.role }, noErrors, 201, token);
  });

  r.post('/admin/tokens/:id/revoke', can('revoke', 'token'), async (req, res) => {
    const id = uuid.safeParse(req.params.id);
    if (!id.success || !(await deps.auth.revokeToken(id.data, req.principal!.id))) throw new NotFoundError('No such active token.');
    res.flash('success', 'Token revoked.');
    res.redirect(303, '/admin/tokens');
  });

  return router;
}

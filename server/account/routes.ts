// Personal API tokens: everyone mints their own, carrying at most their own permissions
// (optionally fewer), with an expiry; minting asks for a fresh TOTP code (re-authentication).
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { formError, noErrors, parseForm, type FormErrors } from '../http/forms';
import { reauthHintFor, tokensOf } from '../auth';
import { rolePermissions } from '../policies/access';
import { NotFoundError } from '../errors';
import { paths } from '../http/paths';

declare module 'express-session' {
  interface SessionData {
    /** A just-minted personal token (encrypted), shown once by the next GET /account/tokens. */
    newPersonalToken?: string;
  }
}

const asList = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const tokenForm = z.object({
  name: z.string().trim().min(1, 'Name the token after what uses it').max(80),
  permissions: z.preprocess(asList, z.array(z.string())),
  expiresInDays: z.coerce
    .number({ error: 'Enter a number of days' })
    .int('Enter a whole number of days')
    .min(1, 'At least 1 day'),
  code: z.string().trim().min(1, 'Enter the current code from your authenticator app'),
});

export function accountRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const me = (req: Request) => req.principal!.id.slice('user:'.length);

  const page = async (
    req: Request,
    res: Response,
    values: Record<string, unknown>,
    errors: FormErrors = noErrors,
    status = 200,
    created?: string,
  ) => {
    const access = deps.policies.current().access;
    await res.page(
      'account/tokens',
      {
        title: 'My API tokens',
        tokens: await tokensOf(deps.db, me(req)),
        permissions: rolePermissions(access, req.principal!.role),
        limits: access.tokens,
        values,
        errors,
        created,
        codeHint: await reauthHintFor(deps.db, req.principal),
      },
      status,
    );
  };

  r.get('/account/tokens', can('create', 'token'), async (req, res) => {
    if (req.principal!.kind !== 'user') throw new NotFoundError('Tokens are minted by people, in the web interface.');
    const sealed = req.session.newPersonalToken;
    delete req.session.newPersonalToken;
    if (sealed) res.set('Cache-Control', 'no-store');
    await page(
      req,
      res,
      { expiresInDays: deps.policies.current().access.tokens.defaultExpiryDays, permissions: [] },
      noErrors,
      200,
      sealed ? deps.crypto.decrypt(sealed) : undefined,
    );
  });

  r.post('/account/tokens', can('create', 'token'), async (req, res) => {
    if (req.principal!.kind !== 'user') throw new NotFoundError('Tokens are minted by people, in the web interface.');
    const values = {
      name: String(req.body?.name ?? ''),
      permissions: asList(req.body?.permissions),
      expiresInDays: String(req.body?.expiresInDays ?? ''),
    };
    const form = parseForm(tokenForm, req.body);
    if (!form.ok) return page(req, res, values, form.errors, 422);
    if (!(await deps.auth.reauthenticate(me(req), form.data.code, req.ip ?? 'unknown', 'token.create'))) {
      return page(
        req,
        res,
        values,
        formError('code', 'That code is not right, or was used already. Enter the current code.'),
        422,
      );
    }
    const outcome = await deps.auth.createToken(
      { name: form.data.name, permissions: form.data.permissions, expiresInDays: form.data.expiresInDays },
      me(req),
      req.principal!.id,
    );
    if (outcome.kind === 'invalid') return page(req, res, values, formError(outcome.field, outcome.message), 422);
    req.session.newPersonalToken = deps.crypto.encrypt(outcome.token);
    res.redirect(303, paths.account.tokens());
  });

  r.post('/account/tokens/:id/revoke', can('create', 'token'), async (req, res) => {
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success || !(await deps.auth.revokeToken(id.data, req.principal!.id, me(req))))
      throw new NotFoundError('No such active token of yours.');
    res.flash('success', 'Token revoked.');
    res.redirect(303, paths.account.tokens());
  });

  return router;
}

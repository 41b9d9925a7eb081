// Every route declares the permission it needs; the declaration is both enforced here and
// recorded in a registry, so a test can walk every route × every role against access.yaml.
import type { Request, RequestHandler, Router } from 'express';
import { decideAccess } from '../policies/access';
import type { Deps } from '../deps';
import { ForbiddenError, UnauthenticatedError } from '../errors';

export type Permission = { action: string; resource: string } | 'public' | 'signed-in';

export interface RouteSpec {
  method: 'get' | 'post';
  path: string;
  permission: Permission;
}

export const can = (action: string, resource: string): Permission => ({ action, resource });

export const permissionName = (p: { action: string; resource: string }) => `${p.resource}:${p.action}`;

/**
 * Checks a permission, including named conditions that need the resource instance
 * (four-eyes: `context.submittedBy`). Throws ForbiddenError and audits the denial.
 */
export async function authorize(
  deps: Pick<Deps, 'policies' | 'audit'>,
  req: Request,
  permission: { action: string; resource: string },
  context?: { submittedBy?: string },
): Promise<void> {
  const principal = req.principal;
  if (!principal) throw new UnauthenticatedError('Sign in to continue.');
  const decision = decideAccess(deps.policies.current().access, {
    principal: { id: principal.id, role: principal.role },
    action: permission.action,
    resource: permission.resource,
    context,
  });
  // Without an instance, a rule denied only by its condition still admits the route: the
  // condition is checked again by the handler once it has loaded the resource.
  if (decision.allowed || (context === undefined && decision.rule)) return;
  await deps.audit.append({
    actor: principal.id,
    action: 'access.denied',
    target: req.originalUrl.split('?')[0],
    details: { permission: permissionName(permission), role: principal.role, reason: decision.reason },
  });
  throw new ForbiddenError(permissionName(permission));
}

function guard(deps: Pick<Deps, 'policies' | 'audit'>, permission: Permission): RequestHandler {
  return async (req, _res, next) => {
    if (permission === 'public') return next();
    if (!req.principal) throw new UnauthenticatedError('Sign in to continue.');
    if (permission !== 'signed-in') await authorize(deps, req, permission);
    next();
  };
}

export function declare(router: Router, registry: RouteSpec[], deps: Pick<Deps, 'policies' | 'audit'>, prefix = '') {
  const add =
    (method: 'get' | 'post') =>
    (path: string, permission: Permission, ...handlers: RequestHandler[]) => {
      registry.push({ method, path: prefix + path, permission });
      router[method](path, guard(deps, permission), ...handlers);
    };
  return { get: add('get'), post: add('post') };
}

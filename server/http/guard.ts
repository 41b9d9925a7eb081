// Every route declares the permission it needs; the declaration is both enforced here and
// recorded in a registry, so a test can walk every route × every role against access.yaml.
import type { RequestHandler, Router } from 'express';
import { authorize, permissionName } from '../auth';
import type { Deps } from '../deps';
import { UnauthenticatedError } from '../errors';

export type Permission = { action: string; resource: string } | 'public' | 'signed-in';

export interface RouteSpec {
  method: 'get' | 'post';
  path: string;
  permission: Permission;
}

export const can = (action: string, resource: string): Permission => ({ action, resource });

export { permissionName };

function guard(deps: Pick<Deps, 'policies' | 'audit'>, permission: Permission): RequestHandler {
  return async (req, _res, next) => {
    if (permission === 'public') return next();
    if (!req.principal) throw new UnauthenticatedError('Sign in to continue.');
    if (permission !== 'signed-in')
      await authorize(deps, req.principal, permission, { target: req.originalUrl.split('?')[0] });
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

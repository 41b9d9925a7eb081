// /api/v1: JSON only, Bearer tokens only (no cookies, hence no CSRF surface). Each area adds
// its endpoints through `apiAreas`; the OpenAPI document is assembled from their fragments.
import express, { Router } from 'express';
import type { Deps } from '../deps';
import { declare, can, type RouteSpec } from '../http/guard';
import { resolvePrincipal } from '../http/principal';
import { UnauthenticatedError } from '../errors';
import { openApiDocument, type OpenApiPaths } from './openapi';

export interface ApiArea {
  router(deps: Deps, r: ReturnType<typeof declare>): void;
  paths: OpenApiPaths;
}

const coreArea: ApiArea = {
  router(deps, r) {
    r.get('/me', 'signed-in', async (req, res) => {
      res.json({ id: req.principal!.id, role: req.principal!.role, name: req.principal!.name, bundleHash: deps.policies.hash() });
    });
    r.get('/audit-log/head', can('read', 'audit_log'), async (_req, res) => {
      res.json({ head: await deps.audit.head() });
    });
  },
  paths: {
    '/me': { get: { summary: 'Who the token acts as', responses: { '200': { description: 'The principal and the active policy bundle hash' } } } },
    '/audit-log/head': { get: { summary: 'The audit-log chain head', responses: { '200': { description: '{head: {seq, hash} | null}' } } } },
  },
};

export function apiRouter(deps: Deps, registry: RouteSpec[], areas: ApiArea[]): Router {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));
  router.use(resolvePrincipal(deps));
  router.use((req, _res, next) => {
    if (!req.viaToken && req.path !== '/openapi.json') throw new UnauthenticatedError('Send an API token: Authorization: Bearer <token>.');
    next();
  });
  const all = [coreArea, ...areas];
  const r = declare(router, registry, deps, '/api/v1');
  r.get('/openapi.json', 'public', (_req, res) => {
    res.json(openApiDocument(Object.assign({}, ...all.map((a) => a.paths))));
  });
  for (const area of all) area.router(deps, r);
  return router;
}

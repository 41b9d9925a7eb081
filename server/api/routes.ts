// /api/v1: JSON only, Bearer tokens only (no cookies, hence no CSRF surface). Each area adds
// its endpoints through `apiAreas`; the OpenAPI document is assembled from their fragments.
import express, { Router } from 'express';
import type { Deps } from '../deps';
import { declare, can, type RouteSpec } from '../http/guard';
import { resolvePrincipal } from '../http/resolve-principal';
import { BadRequestError, UnauthenticatedError } from '../errors';
import { addressOf, countAnonymous, RateLimitedError } from '../http/rate-limit';

export const MAX_JSON_DEPTH = 32;

/**
 * Refuses a JSON body nested deeper than `max` before it is parsed: one pass over the bytes,
 * brackets outside strings counted, so a deeply nested body costs no parse and no recursion.
 */
export function assertNestingDepth(buf: Buffer, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new BadRequestError(`The JSON body is nested deeper than ${max} levels.`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}
import { z } from 'zod';
import { openApiDocument, toOpenApi, type OpenApiPaths } from './openapi';

export interface ApiArea {
  router(deps: Deps, r: ReturnType<typeof declare>): void;
  paths: OpenApiPaths;
}

const coreArea: ApiArea = {
  router(deps, r) {
    r.get('/me', 'signed-in', async (req, res) => {
      res.json({
        id: req.principal!.id,
        role: req.principal!.role,
        name: req.principal!.name,
        bundleHash: deps.policies.hash(),
      });
    });
    r.get('/audit-log/head', can('read', 'audit_log'), async (_req, res) => {
      res.json({ head: await deps.audit.head() });
    });
    // The same activation as the Policies page, SIGHUP, the file watch and `lethe policy reload`.
    r.post('/policy/reload', can('reload', 'policy'), async (req, res) => {
      const result = await deps.policies.reload(deps.audit, req.principal!.id);
      res.status(result.ok ? 200 : 422).json(result);
    });
  },
  paths: toOpenApi({
    '/me': {
      get: {
        operationId: 'getMe',
        summary: 'Who the token acts as',
        response: {
          description: 'The principal and the active policy bundle hash',
          schema: z.object({ id: z.string(), role: z.string(), name: z.string(), bundleHash: z.string() }),
        },
      },
    },
    '/policy/reload': {
      post: {
        operationId: 'reloadPolicy',
        summary: 'Validate the bundle directory and activate it for every process',
        response: {
          description: 'Activated (or already active)',
          schema: z.object({
            ok: z.literal(true),
            changed: z.boolean(),
            previousHash: z.string(),
            hash: z.string(),
            pending: z
              .object({ requestId: z.string() })
              .optional()
              .describe('A second person must approve the activation'),
          }),
        },
        errors: {
          403: 'Permission missing',
          422: {
            description: 'The bundle was refused; the active one stays',
            schema: z.object({
              ok: z.literal(false),
              problems: z.array(
                z.object({ file: z.string(), line: z.number().int(), column: z.number().int(), message: z.string() }),
              ),
              activeHash: z.string(),
            }),
          },
        },
      },
    },
    '/audit-log/head': {
      get: {
        operationId: 'getAuditLogHead',
        summary: 'The audit-log chain head',
        response: {
          description: 'The head entry, or null for an empty log',
          schema: z.object({ head: z.object({ seq: z.number().int(), hash: z.string() }).nullable() }),
        },
        errors: { 403: 'Permission missing' },
      },
    },
  }),
};

export function apiRouter(deps: Deps, registry: RouteSpec[], areas: ApiArea[]): Router {
  const router = Router();
  // Authenticate first, parse after: an anonymous caller never gets a body parsed, and every
  // request without a valid token counts against its address's anonymous rate limit.
  const resolve = resolvePrincipal(deps);
  const countOrRefuse = async (req: Parameters<typeof addressOf>[0]) => {
    if (!(await countAnonymous(deps.db, addressOf(req), deps.config.anonRateLimitPerMinute)))
      throw new RateLimitedError();
  };
  router.use(async (req, res, next) => {
    try {
      await resolve(req, res, () => undefined);
    } catch (e) {
      await countOrRefuse(req);
      throw e;
    }
    if (!req.viaToken) {
      await countOrRefuse(req);
      if (req.path !== '/openapi.json')
        throw new UnauthenticatedError('Send an API token: Authorization: Bearer <token>.');
    }
    next();
  });
  router.use(express.json({ limit: '1mb', verify: (_req, _res, buf) => assertNestingDepth(buf) }));
  const all = [coreArea, ...areas];
  const r = declare(router, registry, deps, '/api/v1');
  r.get('/openapi.json', 'public', (_req, res) => {
    res.json(openApiDocument(Object.assign({}, ...all.map((a) => a.paths))));
  });
  for (const area of all) area.router(deps, r);
  return router;
}

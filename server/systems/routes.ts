import { Router } from 'express';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { checkSystems } from './service';

const STATUS_LABELS = {
  ok: 'matches the data map',
  unmapped: 'unmapped columns',
  drift: 'missing tables or columns',
  unreachable: 'unreachable',
  not_configured: 'not configured',
} as const;

export function systemsRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);

  r.get('/systems', can('read', 'system'), async (_req, res) => {
    const checkedAt = new Date();
    const systems = await checkSystems(deps);
    await res.page('systems/index', { title: 'Systems', systems, checkedAt, labels: STATUS_LABELS });
  });

  return router;
}

import { Router } from 'express';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { buildPanels } from './panels';
import type { AppShape } from '../area-descriptor';

export function dashboardRoutes(deps: Deps, registry: RouteSpec[], shape: AppShape): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  r.get('/', can('read', 'dashboard'), async (req, res) => {
    const panels = await buildPanels(shape.panels, deps, req.principal!, res.locals.can);
    await res.page('dashboard/index', { title: 'Dashboard', panels });
  });
  return router;
}

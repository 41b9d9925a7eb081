// /jobs: the job console (counts, running, recent failures; retry and discard where allowed).
import { Router } from 'express';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { consoleView, discardJob, retryJob } from './service';
import { paths } from '../http/paths';

export function jobsConsoleRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  r.get('/jobs', can('read', 'job'), async (_req, res) => {
    res.set('Refresh', '10');
    await res.page('jobs-console/index', { title: 'Jobs', ...(await consoleView(deps)), backend: deps.queues.backend });
  });
  r.post('/jobs/:kind/:id/retry', can('retry', 'job'), async (req, res) => {
    await retryJob(deps, String(req.params.kind), String(req.params.id), req.principal!.id);
    res.flash('success', `Job ${req.params.id} queued again.`);
    res.redirect(303, paths.jobs.index());
  });
  r.post('/jobs/:kind/:id/discard', can('discard', 'job'), async (req, res) => {
    await discardJob(deps, String(req.params.kind), String(req.params.id), req.principal!.id);
    res.flash('success', `Job ${req.params.id} discarded.`);
    res.redirect(303, paths.jobs.index());
  });
  return router;
}

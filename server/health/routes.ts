import { Router } from 'express';
import type { Deps } from '../deps';
import type { Metrics } from './metrics';

export function healthRoutes(deps: Deps, metrics: Metrics): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    await deps.db.raw('SELECT 1').then(() => (checks.database = 'ok'), (e: Error) => (checks.database = e.message));
    await deps.queues.ping().then(() => (checks.queue = 'ok'), (e: Error) => (checks.queue = e.message));
    const failing = Object.entries(checks).filter(([, v]) => v !== 'ok').map(([k]) => k);
    res.status(failing.length ? 503 : 200).json({ status: failing.length ? 'unavailable' : 'ready', failing, checks, queueBackend: deps.queues.backend });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

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
    // Public endpoint: say which part fails, keep the error text (hosts, users) in the log.
    const check = async (part: string, probe: () => Promise<unknown>) =>
      probe().then(
        () => (checks[part] = 'ok'),
        (e: Error) => {
          checks[part] = 'unavailable';
          deps.logger.warn({ event: 'readyz.failing', part, error: e.message }, `${part} not ready`);
        },
      );
    await check('database', () => deps.db.raw('SELECT 1'));
    await check('queue', () => deps.queues.ping());
    const failing = Object.entries(checks).filter(([, v]) => v !== 'ok').map(([k]) => k);
    res.status(failing.length ? 503 : 200).json({ status: failing.length ? 'unavailable' : 'ready', failing, checks, queueBackend: deps.queues.backend });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

import crypto from 'node:crypto';
import net from 'node:net';
import { Router, type Request } from 'express';
import type { Deps } from '../deps';
import type { Metrics } from './prometheus';
import { liveProcesses } from '../policy-runtime';

/** /metrics: from a configured network (LETHE_METRICS_NETWORKS), or with LETHE_METRICS_TOKEN. */
export function metricsAllowed(deps: Pick<Deps, 'config'>): (req: Request) => boolean {
  const allowed = new net.BlockList();
  for (const cidr of deps.config.metricsNetworks) {
    const [addr, bits] = cidr.split('/');
    const type = net.isIPv6(addr) ? 'ipv6' : 'ipv4';
    allowed.addSubnet(addr, Number(bits ?? (type === 'ipv6' ? 128 : 32)), type);
  }
  const token = deps.config.metricsToken ? Buffer.from(`Bearer ${deps.config.metricsToken}`) : null;
  return (req) => {
    const sent = Buffer.from(req.get('authorization') ?? '');
    if (token && sent.length === token.length && crypto.timingSafeEqual(sent, token)) return true;
    const ip = (req.ip ?? '').replace(/^::ffff:/, '');
    if (!ip) return false;
    return allowed.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
  };
}

export function healthRoutes(deps: Deps, metrics: Metrics): Router {
  const router = Router();
  const mayScrape = metricsAllowed(deps);
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
    const failing = Object.entries(checks)
      .filter(([, v]) => v !== 'ok')
      .map(([k]) => k);
    // Which bundle each live process runs (role and bundle only: no host names on a public endpoint).
    const processes =
      checks.database === 'ok'
        ? await liveProcesses(deps.db, Math.max(3 * deps.config.policyPollMs, 15_000)).then(
            (rows) =>
              rows.map((p) => ({
                role: p.role,
                bundle: p.hash,
                self: p.id === deps.policies.processId,
                ...(p.problem ? { problem: 'cannot load the active bundle' } : {}),
              })),
            () => [],
          )
        : [];
    res.status(failing.length ? 503 : 200).json({
      status: failing.length ? 'unavailable' : 'ready',
      failing,
      checks,
      queueBackend: deps.queues.backend,
      policy: { bundle: deps.policies.hash(), processes },
    });
  });
  router.get('/metrics', async (req, res) => {
    if (!mayScrape(req)) {
      res.status(403).type('text').send('Metrics are served to the configured network or with the metrics token.\n');
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

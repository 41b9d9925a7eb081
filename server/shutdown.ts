// Graceful shutdown on SIGTERM/SIGINT (workers finish or hand back their jobs) and policy
// reload on SIGHUP: an invalid bundle is reported and the active one kept.
import type { Deps } from './deps';
import { closeAllConnections } from './systems/connections';

export function onShutdown(deps: Deps, ...closers: (() => Promise<void>)[]): void {
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    deps.logger.info({ event: 'process.stopping', signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    // Side by side (the web's requests in flight and the workers' jobs finish at once), and all
    // before the database and queue connections they use are closed.
    await Promise.all(
      closers.map((c) => c().catch((e) => deps.logger.error({ event: 'shutdown.error', error: (e as Error).message }))),
    );
    await closeAllConnections();
    await deps.policies.close();
    await deps.queues.close();
    await deps.db.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => {
    deps.policies
      .reload(deps.audit, 'system:sighup')
      .catch((e) => deps.logger.error({ event: 'policy.reload.error', error: (e as Error).message }));
  });
}

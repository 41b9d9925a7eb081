// The web process alone: `npm run web` (run any number behind a load balancer).
import { bootstrap } from './bootstrap';
import { createApp } from './app';
import { onShutdown } from './shutdown';
import { watchPolicies } from './policy-runtime/watch';

export async function startWeb(deps: Awaited<ReturnType<typeof bootstrap>>) {
  const app = createApp(deps);
  const server = app.listen(deps.config.port, deps.config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  // Watching (development): files edited while the process was down apply at start too.
  if (deps.config.watchPolicies) await deps.policies.reload(deps.audit, 'system:file-watch');
  const stopWatching = deps.config.watchPolicies ? watchPolicies(deps) : () => {};
  return {
    server,
    close: (graceMs = DRAIN_MS) =>
      new Promise<void>((resolve) => {
        stopWatching();
        // Stop accepting, let the requests in flight finish (their keep-alive connections are
        // closed as each goes idle), and cut whatever is still open after the grace period: the
        // database is closed only after this, so no request is answered with a closed pool.
        server.close(() => {
          clearInterval(idle);
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      }),
  };
}

/** How long a stopping web process lets the requests in flight finish (the shutdown's limit is 15 s). */
const DRAIN_MS = 10_000;

if (import.meta.url === `file://${process.argv[1]}`) {
  const deps = await bootstrap({ role: 'web' });
  // Stopping is set up before the server listens: a SIGTERM while it starts (a supervisor, a
  // rolling restart) still closes the database and the policy listener instead of killing Node.
  const running: { web?: Awaited<ReturnType<typeof startWeb>> } = {};
  onShutdown(deps, async () => running.web?.close());
  running.web = await startWeb(deps);
  deps.logger.info(
    { event: 'web.ready', url: deps.config.publicUrl },
    `Lethe web listening on ${deps.config.publicUrl}`,
  );
}

// In development, editing a file under policies/ reloads the bundle (as SIGHUP does).
import fs from 'node:fs';
import type { Deps } from '../deps';

export function watchPolicies(deps: Deps): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watcher = fs.watch(deps.config.policiesDir, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      deps.policies
        .reload(deps.audit, 'system:file-watch')
        .catch((e) => deps.logger.error({ event: 'policy.reload.error', error: (e as Error).message }));
    }, 300);
  });
  return () => watcher.close();
}

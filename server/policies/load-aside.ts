// Loading the policy files beside other start-up work. `npm start` parses and validates the bundle
// (the largest single piece of a restart's CPU, ~0.5 s) in a worker thread while the main thread
// loads the application and PostgreSQL starts, then adopts the result when the files are the
// active bundle (createPolicyRuntime's `preloaded`). The result is the one loadBundle gives: a
// bundle is plain data, which a worker hands back intact (test/policies/load-aside.test.ts).
import { Worker } from 'node:worker_threads';
import type { LoadResult } from './types';

/** loadBundle(dir) in a worker thread; in this thread when the worker cannot run (sources, no threads). */
export function loadBundleAside(dir: string): Promise<LoadResult> {
  const inThread = () => import('./bundle').then((m) => m.loadBundle(dir));
  // Under tsx or vitest this file is TypeScript, which a worker cannot load without the loader.
  if (!import.meta.url.endsWith('.js')) return inThread();
  return new Promise<LoadResult>((resolve) => {
    let settled = false;
    const fallBack = () => {
      if (!settled) {
        settled = true;
        resolve(inThread());
      }
    };
    try {
      const worker = new Worker(new URL('./bundle-worker.js', import.meta.url), { workerData: { dir } });
      worker.unref();
      worker.once('message', (result: LoadResult) => {
        settled = true;
        resolve(result);
      });
      worker.once('error', fallBack);
      worker.once('exit', fallBack);
    } catch {
      fallBack();
    }
  });
}

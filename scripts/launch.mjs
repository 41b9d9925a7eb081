// Starts one Lethe process: `node scripts/launch.mjs server/start.ts [args…]`. Runs the compiled
// build (dist/bundle/…/start.js, or dist/…/start.js without a bundle) when dist/ is a build of
// exactly these sources (see build-stamp.mjs), else the TypeScript source through tsx. Either way one Node process, so signals reach the app.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ROOT, distIsCurrent } from './build-stamp.mjs';

/**
 * Resolves `server/start.ts` to the file to import: its bundle (dist/bundle/…) or its compiled module
 * when dist/ is current, else the source, registering tsx.
 */
export async function entryFor(source) {
  if (process.env.LETHE_USE_SOURCES !== '1' && distIsCurrent()) {
    const compiled = source.replace(/\.ts$/, '.js');
    const bundled = path.join(DIST, 'bundle', compiled);
    return existsSync(bundled) ? bundled : path.join(DIST, compiled);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return path.join(ROOT, source);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [source, ...rest] = process.argv.slice(2);
  if (!source) {
    console.error(
      'usage: node scripts/launch.mjs <server/start.ts|server/main.ts|jobs/worker.ts|jobs/scheduler.ts> [args…]',
    );
    process.exit(2);
  }
  const entry = await entryFor(source);
  // The entry modules start themselves when they are the main module (argv[1]).
  process.argv = [process.argv[0], entry, ...rest];
  await import(pathToFileURL(entry).href);
}

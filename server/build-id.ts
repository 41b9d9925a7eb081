// Which build of Lethe this process runs: the source hash in the compiled build's stamp
// (dist/.build-stamp, written last by `npm run build`; the launchers run dist/ only while it
// matches the sources), or null when the sources run through tsx and no build describes them.
import fs from 'node:fs';
import path from 'node:path';
import { APP_ROOT, fromRoot } from './app-root';

let known: string | null | undefined;

export function currentBuild(): string | null {
  if (known !== undefined) return known;
  known = null;
  if (path.relative(APP_ROOT, import.meta.dirname).split(path.sep)[0] === 'dist') {
    try {
      const stamp = JSON.parse(fs.readFileSync(fromRoot('dist', '.build-stamp'), 'utf8')) as { sources?: unknown };
      if (typeof stamp.sources === 'string' && /^[0-9a-f]{64}$/.test(stamp.sources)) known = stamp.sources;
    } catch {
      // no stamp (an interrupted build): no build to name
    }
  }
  return known;
}

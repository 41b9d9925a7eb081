// The checkout's root folder (views/, policies/, server/demo/systems.sql…), the same whether this
// module runs as source (server/app-root.ts), from the compiled build (dist/server/app-root.js) or
// from a chunk of the bundle (dist/bundle/…).
import fs from 'node:fs';
import path from 'node:path';

/** The nearest folder above this module holding Lethe's own package.json. */
function findRoot(): string {
  for (let dir = path.resolve(import.meta.dirname, '..'); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name === 'lethe')
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`Lethe's package.json was not found above ${import.meta.dirname}`);
  }
}

export const APP_ROOT = findRoot();

/** A path inside the checkout, e.g. `fromRoot('views', 'emails')`. */
export function fromRoot(...parts: string[]): string {
  return path.join(APP_ROOT, ...parts);
}

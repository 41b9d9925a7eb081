// The checkout's root folder (views/, policies/, server/demo/systems.sql…), the same whether this
// module runs as source (server/app-root.ts) or from the compiled build (dist/server/app-root.js).
import fs from 'node:fs';
import path from 'node:path';

const parent = path.resolve(import.meta.dirname, '..');
export const APP_ROOT = fs.existsSync(path.join(parent, 'package.json')) ? parent : path.resolve(parent, '..');

/** A path inside the checkout, e.g. `fromRoot('views', 'emails')`. */
export function fromRoot(...parts: string[]): string {
  return path.join(APP_ROOT, ...parts);
}

// A scratch copy of the checkout's code (no tests) under node_modules/.cache: the copy resolves
// packages from this checkout's node_modules, no test runner picks its files up, and the
// repository's own dist/ is never touched. For tests of the launcher and the build.
import fs from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../..');
const CODE = ['bin', 'scripts', 'server', 'jobs', 'migrations', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** Copies the code, and `extra` entries (e.g. views, policies), into a new scratch folder; returns its path. */
export function copyCheckout(prefix: string, extra: string[] = []): string {
  const cache = path.join(REPO, 'node_modules/.cache');
  fs.mkdirSync(cache, { recursive: true });
  const root = fs.mkdtempSync(path.join(cache, prefix));
  for (const entry of [...CODE, ...extra])
    fs.cpSync(path.join(REPO, entry), path.join(root, entry), {
      recursive: true,
      filter: (src) => !src.endsWith('.test.ts'),
    });
  return root;
}

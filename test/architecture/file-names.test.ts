// No two files under server/ and jobs/ share a name for different things (issue 13, point 7): a
// name says what a file does wherever it is read (an import, a stack trace, a search). Allowed to
// repeat: the role files every area may have (its routes, its queries, its descriptor, …), and the
// name of a policy file (policies/<name>.yaml) for its schema, its checks, its reader and the code
// that acts on it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** One per area (or per layer), the same role each time. */
const ROLE_FILES = new Set([
  'index.ts', // the area's public surface
  'area.ts', // the area's descriptor
  'routes.ts',
  'api.ts',
  'service.ts',
  'queries.ts',
  'commands.ts',
  'cli.ts',
  'cli-entry.ts', // an area's `lethe` commands listed without loading the area (server/cli-commands.ts)
  'panels.ts',
  'view-model.ts',
  'forms.ts',
  'types.ts',
  'errors.ts',
  'render.ts', // an area's HTML pages inside its layout (http: res.page; privacy center: the public layout)
  'csrf.ts', // CSRF for a layout: the session's token (http), a signed double submit without session (privacy center)
  'csv.ts', // CSV export of an area's rows, with spreadsheet-formula escaping
  'lifecycle.ts', // the state moves of an area's main row
  'runs.ts', // the state moves of an area's runs
  'connections.ts', // the erasure engine's port (erasure/) and the one implementation (systems/)
]);

const POLICY_NAMES = new Set(
  fs
    .readdirSync(path.join(ROOT, 'policies'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, '.ts'))
    .concat('datamap.ts'), // policies/datamap/*.yaml
);

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path.relative(ROOT, p)] : [];
  });
}

function sameNamed(files: string[]): Record<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const f of files) byName.set(path.basename(f), [...(byName.get(path.basename(f)) ?? []), f]);
  return Object.fromEntries(
    [...byName].filter(([name, paths]) => paths.length > 1 && !ROLE_FILES.has(name) && !POLICY_NAMES.has(name)),
  );
}

describe('file names', () => {
  it('no two files under server/ and jobs/ share a name unless it is a role or a policy file', () => {
    expect(sameNamed([...tsFiles(path.join(ROOT, 'server')), ...tsFiles(path.join(ROOT, 'jobs'))])).toEqual({});
  });

  it('the check reports a pair like the two artefacts.ts files there were', () => {
    expect(
      sameNamed([
        'server/erasure/artefacts.ts',
        'server/requests/artefacts.ts',
        'server/requests/routes.ts',
        'server/reid/routes.ts',
      ]),
    ).toEqual({
      'artefacts.ts': ['server/erasure/artefacts.ts', 'server/requests/artefacts.ts'],
    });
  });
});

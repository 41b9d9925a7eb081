// Templates include one another by paths from views/ ("/partials/pagination"), resolved against the
// renderers' `root`: ejs checks the file system for a relative include on every render, even with
// its cache on (4 % of the web process's time on the request list under load, issue 21).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIEWS_DIR } from '../../server/http/render';

const templates = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? templates(path.join(dir, e.name)) : e.name.endsWith('.ejs') ? [path.join(dir, e.name)] : [],
    );

describe('template includes', () => {
  it('name a template under views/ by its path from there, never relative to the including file', () => {
    const includes = templates(VIEWS_DIR).flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/include\(\s*(['"`])([^'"`]+)\1/g)].map((m) => ({
        from: path.relative(VIEWS_DIR, file),
        target: m[2],
      })),
    );
    expect(includes.length).toBeGreaterThan(100);
    const wrong = includes.filter(
      ({ target }) => !target.startsWith('/') || !fs.existsSync(path.join(VIEWS_DIR, `${target}.ejs`)),
    );
    expect(wrong).toEqual([]);
  });
});

// Form actions and links that embed an id are built from server/http/paths.ts (the `paths` local of
// every page), not spelled out in the view: a moved route is one edit, and every id is encoded.
// Static links and query strings after a fixed path may stay literal.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { paths } from '../../server/http/paths';

const VIEWS = path.resolve(import.meta.dirname, '../../views');

function ejsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? ejsFiles(p) : e.name.endsWith('.ejs') ? [p] : [];
  });
}

/** action="/…<%= id %>…" or href="/…<%= id %>…": a value interpolated into a URL's path. */
const HAND_BUILT = /\b(action|href)="\/[^"?#]*<%/g;

function handBuilt(text: string): string[] {
  return [...text.matchAll(HAND_BUILT)].map((m) =>
    text.slice(m.index, text.indexOf('"', m.index + m[1].length + 2) + 1),
  );
}

describe('URLs in views', () => {
  it('no view builds a form action or link with an id by hand', () => {
    const found = ejsFiles(VIEWS).flatMap((f) =>
      handBuilt(fs.readFileSync(f, 'utf8')).map((u) => `${path.relative(VIEWS, f)}: ${u}`),
    );
    expect(found).toEqual([]);
  });

  it('the check finds one, and lets a path helper or a query string pass', () => {
    expect(handBuilt('<form action="/requests/<%= request.id %>/approve">')).toEqual([
      'action="/requests/<%= request.id %>/approve"',
    ]);
    expect(handBuilt('<form action="<%= paths.requests.approve(request.id) %>">')).toEqual([]);
    expect(handBuilt('<a href="/audit-log?action=<%= encodeURIComponent(a) %>">')).toEqual([]);
  });

  it('the helpers give the URLs the routes answer, with ids encoded', () => {
    expect(paths.requests.approve('r1')).toBe('/requests/r1/approve');
    expect(paths.useCases.conditionDone('u1', 7)).toBe('/use-cases/u1/conditions/7/done');
    expect(paths.jobs.retry('erasure', 'a/b')).toBe('/jobs/erasure/a%2Fb/retry');
    expect(paths.training.checkSnapshot('lake.snap 1')).toBe('/training/snapshots/lake.snap%201/check');
    expect(paths.policies.approveActivation('p1')).toBe('/policies/activations/p1/approve');
  });
});

// A "billion laughs" YAML alias bomb in the bundle: reported as a normal problem with file:line
// (no exception, no 500), the active bundle kept, and the rejection audited.
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../server/policies/bundle';
import { createTestApp, type TestApp } from '../support/app';
import { copyBundle } from './helpers';

const levels = 'abcdefgh';
const BOMB =
  '\nx_bomb:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' +
  [...levels.slice(1)].map((l, i) => `  ${l}: &${l} [${Array(9).fill(`*${levels[i]}`).join(',')}]`).join('\n') +
  '\n';

describe('YAML alias bomb', () => {
  let dir: string;
  let t: TestApp;
  beforeAll(async () => {
    dir = await copyBundle();
    t = await createTestApp({ policiesDir: dir });
  });
  afterAll(() => t?.close());

  it('loadBundle reports it at the first alias with file:line instead of throwing', async () => {
    const before = await readFile(path.join(dir, 'access.yaml'), 'utf8');
    await appendFile(path.join(dir, 'access.yaml'), BOMB);
    const firstAliasLine = before.split('\n').length + 3; // blank, x_bomb:, a:, then "b:" holds the first alias
    const loaded = await loadBundle(dir);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    const problem = loaded.problems.find((p) => /alias/i.test(p.message))!;
    expect(problem).toMatchObject({ file: 'access.yaml', line: firstAliasLine });
    expect(problem.message).toContain('expand too far');
  });

  it('a reload keeps the active bundle and audits the rejection', async () => {
    const active = t.deps.policies.hash();
    const result = await t.deps.policies.reload(t.deps.audit, 'system:test');
    expect(result.ok).toBe(false);
    expect(t.deps.policies.hash()).toBe(active);
    const rejected = await t.deps.db('audit_log').where({ action: 'policy.bundle.rejected' }).orderBy('seq', 'desc').first();
    expect(JSON.stringify(rejected.details)).toContain('expand too far');
  });
});

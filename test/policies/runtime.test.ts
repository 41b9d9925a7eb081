// The active bundle as one fact in Postgres: a process that cannot load it says so (readyz, the
// Policies page) and refuses to run jobs on the old one, with a clear error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, POLICIES_DIR, type TestApp } from '../support/app';
import { createPolicyRuntime, BundleUnavailableError, type PolicyRuntime } from '../../server/policy-runtime/service';
import { createLogger } from '../../server/logger';
import { until } from '../requests/support';

let t: TestApp;
let other: PolicyRuntime;
beforeAll(async () => {
  t = await createTestApp({ env: { LETHE_POLICY_POLL_MS: '60000' } });
  other = await createPolicyRuntime(t.deps.db, POLICIES_DIR, createLogger('silent'), { role: 'worker', databaseUrl: t.database.url, pollMs: 60_000 });
});
afterAll(async () => {
  await other?.close();
  await t?.close();
});

describe('policy runtime', () => {
  it('a process that cannot load the active bundle reports it and refuses to run a job on its older one', async () => {
    const good = t.deps.policies.hash();
    expect(other.hash()).toBe(good);
    // A bundle this code cannot read (as one written for a newer version would be), activated directly.
    const files = t.deps.policies.current().files.map((f) => (f.path === 'access.yaml' ? { ...f, content: f.content.replace('apiVersion: lethe/v1', 'apiVersion: lethe/v9') } : f));
    const bad = 'b'.repeat(64);
    await t.deps.db('policy_bundles').insert({ hash: bad, files: JSON.stringify(files) });
    await t.deps.db('policy_active').where({ id: 1 }).update({ hash: bad, activated_by: 'system:test' });
    await t.deps.db.raw("SELECT pg_notify('lethe_policy', ?)", [bad]);

    await expect(other.ensureAtLeast(good)).rejects.toThrow(BundleUnavailableError);
    await expect(other.ensureAtLeast(good)).rejects.toThrow(/cannot load the active policy bundle bbbbbbbbbbbb/);
    expect(other.hash()).toBe(good); // kept, but never used for a job
    const ready = await until(async () => {
      const r = await request(t.app).get('/readyz');
      return r.body.policy.processes.some((p: { problem?: string }) => p.problem) ? r : null;
    }, 5000, 'readyz to show the problem');
    expect(ready.body.policy.processes.find((p: { role: string }) => p.role === 'worker')).toMatchObject({ bundle: good, problem: 'cannot load the active bundle' });

    // A valid activation again: the process follows.
    await t.deps.db('policy_active').where({ id: 1 }).update({ hash: good });
    expect((await other.ensureAtLeast(good)).hash).toBe(good);
  });

  it('a process starts on the stored active bundle whether its policy files are that bundle or differ from it (and says so)', async () => {
    const active = t.deps.policies.current();
    const opts = { role: 'test', pollMs: 60_000 };
    const same = await createPolicyRuntime(t.deps.db, POLICIES_DIR, createLogger('silent'), opts);
    expect(same.current()).toEqual(active);
    await same.close();
    // A valid edit not activated yet: the process runs the active bundle and warns about the files.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-policies-'));
    fs.cpSync(POLICIES_DIR, dir, { recursive: true });
    fs.appendFileSync(path.join(dir, 'access.yaml'), '\n# edited, not activated\n');
    const lines: string[] = [];
    const logger = createLogger('warn', 'test', { write: (line: string) => void lines.push(line) });
    const edited = await createPolicyRuntime(t.deps.db, dir, logger, opts);
    expect(edited.hash()).toBe(active.hash);
    expect(edited.current().files).toEqual(active.files);
    expect(lines.join('')).toContain('"event":"policy.files.differ"');
    await edited.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reloading through the CLI activates the bundle for the running processes', async () => {
    const { runCli } = await import('../../server/cli');
    const out: string[] = [];
    const code = await runCli(['policy', 'reload'], { out: (s) => out.push(s), err: (s) => out.push(s) }, t.env);
    expect(code, out.join('')).toBe(0);
    expect(out.join('')).toMatch(/is already active|activated/);
  });
});

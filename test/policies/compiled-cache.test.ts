// Validated bundles kept per (bundle hash, build), signed: a process of the same build on the same
// files reads the bundle back instead of parsing it; another build, other files, a damaged row or
// one altered without the key parse the files again. Real PostgreSQL; the cache's rows are read and
// altered (and re-signed with the test's key) directly, to tell a read from the cache from a parse.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, POLICIES_DIR, type TestApp } from '../support/app';
import { createPolicyRuntime, type RuntimeOptions } from '../../server/policy-runtime/service';
import { createLogger } from '../../server/logger';
import { currentBuild } from '../../server/build-id';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { LETHE_POLICY_POLL_MS: '60000' } });
});
afterAll(async () => {
  await t?.close();
});

const KEY = crypto.randomBytes(32);
const BUILD_A = 'a'.repeat(64);
const BUILD_B = 'b'.repeat(64);
const rows = () => t.deps.db('policy_bundle_cache').orderBy(['build', 'hash']).select('hash', 'build', 'bundle');

/** Starts a runtime as a process of `build` would, and returns its bundle and what it logged. */
async function start(build: string | null, dir = POLICIES_DIR) {
  const lines: string[] = [];
  const logger = createLogger('warn', 'test', { write: (line: string) => void lines.push(line) });
  const opts: RuntimeOptions = { role: 'test', pollMs: 60_000, build, cacheKey: KEY };
  const runtime = await createPolicyRuntime(t.deps.db, dir, logger, opts);
  const bundle = runtime.current();
  await runtime.close(); // waits for the cache write
  return { bundle, log: lines.join('') };
}

/** Rewrites the kept bundle of (hash, build) with `edit` applied to its JSON; signed with `key` when given. */
async function alterRow(build: string, edit: (b: Record<string, unknown>) => void, key: Buffer | null = KEY) {
  const hash = t.deps.policies.hash();
  const row = await t.deps.db('policy_bundle_cache').where({ hash, build }).first();
  const bundle = JSON.parse(row.bundle);
  edit(bundle);
  const text = JSON.stringify(bundle);
  const mac = key ? crypto.createHmac('sha256', key).update(`${build}\0${hash}\0`).update(text).digest('hex') : row.mac;
  await t.deps.db('policy_bundle_cache').where({ hash, build }).update({ bundle: text, mac });
}

describe('validated policy bundles kept per build', () => {
  it('the sources run through tsx name no build, so nothing is kept', async () => {
    expect(currentBuild()).toBeNull();
    await start(null);
    expect(await rows()).toEqual([]);
  });

  it('a start of a build keeps the bundle it validated; the next start of that build reads it back', async () => {
    const active = t.deps.policies.current();
    const first = await start(BUILD_A);
    expect(first.bundle).toEqual(active);
    const kept = await rows();
    expect(kept.map((r) => [r.hash, r.build])).toEqual([[active.hash, BUILD_A]]);
    expect(JSON.parse(kept[0].bundle)).toEqual({ ...active, dir: '' });

    // A marked row proves the second start read the row instead of parsing the files.
    await alterRow(BUILD_A, (b) => (b.markedByTest = true));
    const second = await start(BUILD_A);
    expect(second.bundle).toEqual({ ...active, markedByTest: true });
    expect(second.bundle.dir).toBe(POLICIES_DIR);
    expect(second.bundle.hash).toBe(active.hash);
  });

  it('a row altered without the key is not run: the files are parsed, the row re-signed, and it is logged', async () => {
    const active = t.deps.policies.current();
    await alterRow(BUILD_A, (b) => (b.markedByTest = 'without the key'), null);
    const forged = await start(BUILD_A);
    expect(forged.bundle).toEqual(active);
    expect(forged.log).toContain('"event":"policy.cache.error"');
    expect(forged.log).toContain('does not verify');
    const again = await start(BUILD_A); // the row written by the parse verifies
    expect(again.bundle).toEqual(active);
    expect(again.log).not.toContain('policy.cache.error');
    // Signed under another key (a rotated master key): not run either.
    await alterRow(BUILD_A, (b) => (b.markedByTest = 'another key'), crypto.randomBytes(32));
    expect((await start(BUILD_A)).bundle).toEqual(active);
  });

  it('another build parses the files again and keeps its own row beside the other build’s', async () => {
    const active = t.deps.policies.current();
    await alterRow(BUILD_A, (b) => (b.markedByTest = true));
    const other = await start(BUILD_B);
    expect(other.bundle).toEqual(active); // not the marked row of build A
    expect((await rows()).map((r) => r.build)).toEqual([BUILD_A, BUILD_B]);
    // A day later, a write of build B drops build A's row.
    await t.deps.db('policy_bundle_cache').where({ build: BUILD_A }).update({ created_at: t.deps.db.raw("now() - interval '25 hours'") });
    await t.deps.db('policy_bundle_cache').where({ build: BUILD_B }).del();
    await start(BUILD_B);
    expect((await rows()).map((r) => r.build)).toEqual([BUILD_B]);
  });

  it('a row whose files are not the files on disk, or that is not JSON, is ignored and the files are parsed', async () => {
    const active = t.deps.policies.current();
    await alterRow(BUILD_B, (b) => {
      const files = b.files as { path: string; content: string }[];
      files[0] = { ...files[0], content: files[0].content + '\n# not the file on disk\n' };
      b.markedByTest = true;
    });
    expect((await start(BUILD_B)).bundle).toEqual(active);
    // The parse rewrote the row: it is the real bundle again.
    expect(JSON.parse((await rows())[0].bundle)).toEqual({ ...active, dir: '' });

    await t.deps.db('policy_bundle_cache').update({ bundle: '{"not json' });
    const damaged = await start(BUILD_B);
    expect(damaged.bundle).toEqual(active);
    expect(damaged.log).toContain('"event":"policy.cache.error"');
  });

  it('edited files not activated yet are validated once per build too, and the process still runs the active bundle', async () => {
    const active = t.deps.policies.current();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-policies-'));
    try {
      fs.cpSync(POLICIES_DIR, dir, { recursive: true });
      fs.appendFileSync(path.join(dir, 'access.yaml'), '\n# edited, not activated\n');
      for (let i = 0; i < 2; i++) {
        const edited = await start(BUILD_B, dir);
        expect(edited.bundle.hash).toBe(active.hash);
        expect(edited.bundle.dir).toBe(dir);
        expect(edited.log).toContain('"event":"policy.files.differ"');
      }
      const kept = await rows();
      expect(kept).toHaveLength(2);
      expect(kept.map((r) => r.hash)).toContain(active.hash);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

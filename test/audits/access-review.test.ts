import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, createUser, POLICIES_DIR, type TestApp } from '../support/app';
import { runAudit } from '../../server/audits/runs';
import { changeFinding } from '../../server/audits/commands';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-access-review-'));
  fs.cpSync(POLICIES_DIR, dir, { recursive: true });
  t = await createTestApp({ policiesDir: dir });
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const run = () =>
  runAudit(t.deps, {
    kind: 'access_review',
    schedule: 'manual',
    tickAt: null,
    jobId: `access-${++n}`,
    triggeredBy: 'system:test',
  });
const finding = (key: string) => t.deps.db('findings').where({ kind: 'access_review', key }).first();

describe('access_review', () => {
  it('plants an admin without MFA, a dormant account and an old unused token: each is a finding, deduplicated, reopened after remediation', async () => {
    const admin = await createUser(t, 'admin'); // never enrolled a second factor
    const auditor = await createUser(t, 'auditor'); // MFA optional: not a finding
    await t.deps
      .db('users')
      .where({ id: auditor.id })
      .update({ created_at: new Date(Date.now() - 200 * 86_400_000) });
    await apiToken(t, 'compliance_officer');
    const [token] = await t.deps.db('api_tokens').orderBy('created_at', 'desc').limit(1).select('id');
    await t.deps
      .db('api_tokens')
      .where({ id: token.id })
      .update({ created_at: new Date(Date.now() - 400 * 86_400_000), last_used_at: null });

    const first = await run();
    expect(first.run.summary).toMatchObject({
      usersPerRole: expect.objectContaining({ admin: expect.any(Number), auditor: expect.any(Number) }),
    });
    expect(await finding(`no-mfa:${admin.id}`)).toMatchObject({ severity: 'high', status: 'open', occurrences: 1 });
    expect(await finding(`no-mfa:${auditor.id}`)).toBeUndefined();
    expect(await finding(`unused-account:${auditor.id}`)).toMatchObject({ severity: 'medium' });
    expect(await finding(`unused-token:${token.id}`)).toMatchObject({ severity: 'medium' });
    expect(await finding(`old-token:${token.id}`)).toMatchObject({ severity: 'low' });
    expect(JSON.stringify(await t.deps.db('findings').where({ kind: 'access_review' }))).not.toContain('@test.example');

    await run();
    expect(await t.deps.db('findings').where({ kind: 'access_review', key: `no-mfa:${admin.id}` })).toHaveLength(1);
    expect(await finding(`no-mfa:${admin.id}`)).toMatchObject({ occurrences: 2 });

    const f = await finding(`no-mfa:${admin.id}`);
    await changeFinding(t.deps, f.id, { action: 'remediate' }, 'user:officer');
    await run();
    expect(await finding(`no-mfa:${admin.id}`)).toMatchObject({ status: 'open', reopened: 1, occurrences: 3 });
  });

  it('how long an account or token may go unused, and how old a token may be, come from access.yaml', async () => {
    const dormant = await createUser(t, 'auditor');
    await t.deps
      .db('users')
      .where({ id: dormant.id })
      .update({ created_at: new Date(Date.now() - 40 * 86_400_000) });
    await apiToken(t, 'auditor');
    const [token] = await t.deps.db('api_tokens').orderBy('created_at', 'desc').limit(1).select('id');
    await t.deps
      .db('api_tokens')
      .where({ id: token.id })
      .update({ created_at: new Date(Date.now() - 120 * 86_400_000), last_used_at: new Date() });

    // The shipped policy: 90 days unused, tokens up to 365 days old.
    const shipped = await run();
    expect(shipped.run.summary).toMatchObject({ unusedDays: 90, tokenMaxAgeDays: 365 });
    expect(await finding(`unused-account:${dormant.id}`)).toBeUndefined();
    expect(await finding(`old-token:${token.id}`)).toBeUndefined();

    const file = path.join(dir, 'access.yaml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace('review:\n  unused_days: 90', 'review:\n  unused_days: 30')
        .replace('max_expiry_days: 365', 'max_expiry_days: 100'),
    );
    const reloaded = await t.deps.policies.reload(t.deps.audit, 'system:test');
    expect(reloaded.ok, JSON.stringify(reloaded)).toBe(true);
    const stricter = await run();
    expect(stricter.run.summary).toMatchObject({ unusedDays: 30, tokenMaxAgeDays: 100 });
    const unused = await finding(`unused-account:${dormant.id}`);
    expect(unused).toMatchObject({ status: 'open' });
    expect(unused.title).toContain('30 days');
    expect((await finding(`old-token:${token.id}`)).title).toContain('100 days');
    expect(await finding(`unused-token:${token.id}`)).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, createUser, type TestApp } from '../support/app';
import { runAudit } from '../../server/audits/runs';
import { changeFinding } from '../../server/audits/commands';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
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
});

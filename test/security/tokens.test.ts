// Attack (issue 10, item 2): one admin minted a token with the compliance-officer role and used
// it to submit, verify and download a subject's data. Tokens are now personal: they carry at
// most their owner's permissions, expire, and stop when the owner's role changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, createUser, freshTotp, signIn, type TestApp, apiAs } from '../support/app';
import { createRequestService } from '../../server/requests/service';
import { userPrincipal } from '../../server/auth/principal';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const api = (token: string) => apiAs(t.app, token);

async function aRequest(): Promise<string> {
  const officer = userPrincipal(await createUser(t, 'compliance_officer'));
  const row = await createRequestService(t.deps).create(
    { type: 'access', regulation: 'gdpr', identity: { email: 'subject@example.com' }, reference: 'TOK-1' } as never,
    officer,
  );
  return row.id;
}

describe('personal API tokens', () => {
  it('a token minted by an admin cannot read a request, and cannot be minted with another role', async () => {
    const admin = await createUser(t, 'admin');
    const token = await apiToken(t, 'admin', `user:${admin.id}`);
    const id = await aRequest();
    expect((await api(token).get(`/requests/${id}`)).status).toBe(403);
    expect(
      (await api(token).post('/requests', { type: 'access', regulation: 'gdpr', identity: { email: 'x@example.com' } }))
        .status,
    ).toBe(403);
    // Asking for a permission the admin's role lacks is refused outright.
    const beyond = await t.deps.auth.createToken(
      { name: 'officer please', permissions: ['request:read'] },
      admin.id,
      `user:${admin.id}`,
    );
    expect(beyond).toMatchObject({ kind: 'invalid', field: 'permissions' });
  });

  it("a token stops when its owner's role changes, and when it expires", async () => {
    const owner = await createUser(t, 'compliance_officer');
    const token = await apiToken(t, 'compliance_officer', `user:${owner.id}`);
    const id = await aRequest();
    expect((await api(token).get(`/requests/${id}`)).status).toBe(200);
    await t.deps.auth.setRole(owner.id, 'auditor', 'system:test');
    expect((await api(token).get(`/requests/${id}`)).status).toBe(401);
    await t.deps.auth.setRole(owner.id, 'compliance_officer', 'system:test');
    // Revoked with the change: giving the old role back does not bring the token back.
    expect((await api(token).get(`/requests/${id}`)).status).toBe(401);
    expect((await t.deps.db('api_tokens').where({ owner_id: owner.id }).first()).revoked_at).not.toBeNull();

    const expiring = await apiToken(t, 'compliance_officer', `user:${owner.id}`);
    expect((await api(expiring).get(`/requests/${id}`)).status).toBe(200);
    await t.deps
      .db('api_tokens')
      .where({ owner_id: owner.id })
      .whereNull('revoked_at')
      .update({ expires_at: new Date(Date.now() - 1000) });
    expect((await api(expiring).get(`/requests/${id}`)).status).toBe(401);
  });

  it('an officer mints a personal token in the UI (with a fresh code) and uses it for a request through the API', async () => {
    const officer = await signIn(t, 'compliance_officer');
    const page = await officer.agent.get('/account/tokens');
    expect(page.status).toBe(200);
    const wrong = await officer.agent
      .post('/account/tokens')
      .type('form')
      .send({ _csrf: await officer.csrf(), name: 'ticketing', expiresInDays: '30', code: '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('value="ticketing"');
    const tooLong = await officer.agent
      .post('/account/tokens')
      .type('form')
      .send({
        _csrf: await officer.csrf(),
        name: 'ticketing',
        expiresInDays: '9999',
        code: await freshTotp(t, officer.userId),
      });
    expect(tooLong.status).toBe(422);
    const ok = await officer.agent
      .post('/account/tokens')
      .type('form')
      .send({
        _csrf: await officer.csrf(),
        name: 'ticketing',
        expiresInDays: '30',
        code: await freshTotp(t, officer.userId),
      });
    expect(ok.status).toBe(303);
    const token = /data-testid="new-token">[\s\S]*?<code>([^<]+)<\/code>/.exec(
      (await officer.agent.get('/account/tokens')).text,
    )![1];
    const created = await api(token).post('/requests', {
      type: 'access',
      regulation: 'gdpr',
      identity: { email: 'via-token@example.com' },
    });
    expect(created.status).toBe(201);
    expect((await api(token).get(`/requests/${created.body.id}`)).body.id).toBe(created.body.id);
    const row = await t.deps.db('requests').where({ id: created.body.id }).first();
    expect(row.submitted_by).toMatch(/^token:/);
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'auth.reauth', actor: `user:${officer.userId}` })
        .first(),
    ).toBeTruthy();
  });

  it('an integration token for request:create only cannot approve, verify or read', async () => {
    const submitter = await createUser(t, 'compliance_officer');
    const full = await apiToken(t, 'compliance_officer', `user:${submitter.id}`);
    const created = await api(full).post('/requests', {
      type: 'access',
      regulation: 'gdpr',
      identity: { email: 'integration@example.com' },
    });
    await api(full).post(`/requests/${created.body.id}/verify`, { method: 'other', evidence: 'checked' });
    const officer = await createUser(t, 'compliance_officer');
    const createOnly = await apiToken(t, 'compliance_officer', `user:${officer.id}`, ['request:create']);
    const approve = await api(createOnly).post(`/requests/${created.body.id}/approve`);
    expect(approve.status).toBe(403);
    expect(approve.body.error.message).toContain('does not carry the permission request:approve');
    expect((await api(createOnly).get(`/requests/${created.body.id}`)).status).toBe(403);
    expect(
      (
        await api(createOnly).post('/requests', {
          type: 'access',
          regulation: 'gdpr',
          identity: { email: 'integration-2@example.com' },
        })
      ).status,
    ).toBe(201);
    expect((await t.deps.db('requests').where({ id: created.body.id }).first()).status).toBe('identity_verified');
  });
});

// Attack (issue 10, item 2): one admin, alone, minted an officer token, created a second officer
// account with a password of their choosing, and approved their own request through it. Every
// step that hands out request access now needs a second admin, and accounts are activated only
// by the person, through an invitation emailed to them (here to a real SMTP server).
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, csrfFrom, freshTotp, signIn, type SignedIn, type TestApp } from '../support/app';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { totpNow } from '../../server/auth/totp';

let t: TestApp;
let smtp: TestSmtp;
let admin: SignedIn;
beforeAll(async () => {
  smtp = await startSmtp();
  t = await createTestApp({
    env: { SMTP_URL: smtp.url, PUBLIC_URL: 'http://lethe.test', MAIL_FROM: 'Lethe <lethe@lethe.test>' },
  });
  admin = await signIn(t, 'admin');
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const post = async (s: SignedIn, path: string, body: Record<string, string | string[]> = {}) =>
  s.agent
    .post(path)
    .type('form')
    .send({ _csrf: await s.csrf(), ...body });
const linkIn = (text: string) => /http:\/\/lethe\.test\/invitations\/([\w-]+)/.exec(text);
const settle = () => new Promise((r) => setTimeout(r, 500));

describe('separation of duties', () => {
  it('the admin-alone path is refused at each step that needs a second person', async () => {
    // 1. A token with an officer's permissions: an admin's tokens carry at most the admin's.
    const minted = await post(admin, '/account/tokens', {
      name: 'officer please',
      permissions: ['request:read', 'request:approve'],
      expiresInDays: '30',
      code: await freshTotp(t, admin.userId),
    });
    expect(minted.status).toBe(422);
    expect(minted.text).toContain('does not have request:read, request:approve');
    expect(await t.deps.db('api_tokens').where({ name: 'officer please' }).first()).toBeUndefined();

    // 2. An officer account for an address the admin controls: recorded, but no email goes out.
    const invited = await post(admin, '/admin/users', {
      email: 'second-officer@attacker.test',
      displayName: 'Second Officer',
      role: 'compliance_officer',
    });
    expect(invited.status).toBe(303);
    const invitation = await t.deps.db('invitations').where({ email: 'second-officer@attacker.test' }).first();
    expect(invitation).toMatchObject({ needs_approval: true, approved_at: null, token_hash: null });
    // … nor when the same admin approves it.
    expect((await post(admin, `/admin/invitations/${invitation.id}/approve`)).status).toBe(303);
    expect((await admin.agent.get('/admin/users')).text).toContain('another admin must approve it');
    await settle();
    expect(smtp.messages.filter((m) => m.to.includes('second-officer@attacker.test'))).toEqual([]);
    expect((await t.deps.db('invitations').where({ id: invitation.id }).first()).approved_at).toBeNull();
    expect(await t.deps.db('users').where({ email: 'second-officer@attacker.test' }).first()).toBeUndefined();

    // 3. An existing account turned into an officer: waits for a second admin, not this one.
    const steward = await createUser(t, 'data_steward');
    expect((await post(admin, `/admin/users/${steward.id}/role`, { role: 'compliance_officer' })).status).toBe(303);
    expect((await t.deps.db('users').where({ id: steward.id }).first()).role).toBe('data_steward');
    const change = await t.deps.db('role_changes').where({ user_id: steward.id }).whereNull('decided_at').first();
    expect(change).toMatchObject({
      from_role: 'data_steward',
      to_role: 'compliance_officer',
      requested_by: `user:${admin.userId}`,
    });
    await post(admin, `/admin/role-changes/${change.id}/approve`);
    expect((await t.deps.db('users').where({ id: steward.id }).first()).role).toBe('data_steward');
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'access.denied', actor: `user:${admin.userId}`, target: `user:${steward.id}` })
        .first(),
    ).toBeTruthy();

    // A second admin (a different person) can approve both.
    const second = await signIn(t, 'admin');
    expect((await post(second, `/admin/role-changes/${change.id}/approve`)).status).toBe(303);
    expect((await t.deps.db('users').where({ id: steward.id }).first()).role).toBe('compliance_officer');
    expect((await post(second, `/admin/invitations/${invitation.id}/approve`)).status).toBe(303);
    const mail = await smtp.waitFor('second-officer@attacker.test');
    expect(linkIn(mail.text)).not.toBeNull();
  });

  it('an invitation email arrives with a single-use link that the inviter never sees; the person sets a password and enrols MFA', async () => {
    const res = await post(admin, '/admin/users', {
      email: 'new.steward@example.com',
      displayName: 'New Steward',
      role: 'data_steward',
    });
    expect(res.status).toBe(303);
    const mail = await smtp.waitFor('new.steward@example.com');
    expect(mail.subject).toBe('You are invited to Lethe');
    const [link, token] = linkIn(mail.text)!;
    // Neither the redirect, the page after it, nor the audit log carries the link.
    const page = await admin.agent.get('/admin/users');
    for (const text of [res.text, page.text, JSON.stringify(await t.deps.db('audit_log').select('details'))])
      expect(text).not.toContain(token);
    expect(page.text).toContain('new.steward@example.com');
    expect(await t.deps.db('invitations').where({ token_hash: token }).first()).toBeUndefined(); // only its hash is stored

    const agent = request.agent(t.app);
    const form = await agent.get(new URL(link).pathname);
    expect(form.status).toBe(200);
    const mismatch = await agent
      .post(new URL(link).pathname)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: 'a long enough password', confirm: 'something else entirely' });
    expect(mismatch.status).toBe(422);
    const done = await agent
      .post(new URL(link).pathname)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: 'my own long password', confirm: 'my own long password' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/login');
    const user = await t.deps.db('users').where({ email: 'new.steward@example.com' }).first();
    expect(user).toMatchObject({ role: 'data_steward', invited_by: `user:${admin.userId}` });
    // Single use.
    expect((await request(t.app).get(new URL(link).pathname)).status).toBe(404);

    // They sign in with their own password and enrol their second factor.
    const login = await agent.get('/login');
    const signedIn = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(login.text), email: 'new.steward@example.com', password: 'my own long password' });
    expect(signedIn.headers.location).toBe('/mfa/enrol');
    const enrol = await agent.get('/mfa/enrol');
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(enrol.text)![1];
    expect(
      (
        await agent
          .post('/mfa/enrol')
          .type('form')
          .send({ _csrf: csrfFrom(enrol.text), code: totpNow(secret) })
      ).status,
    ).toBe(200);
    expect((await agent.get('/datasets')).status).toBe(200);
  });

  it('an admin account the admin invited alone (to an address they control) is not a second pair of eyes for them', async () => {
    const solo = await signIn(t, 'admin');
    // Admin roles have no request access, so this invitation goes out at once, to the attacker.
    await post(solo, '/admin/users', { email: 'sock-puppet@attacker.test', displayName: 'Sock Puppet', role: 'admin' });
    const [link] = linkIn((await smtp.waitFor('sock-puppet@attacker.test')).text)!;
    const agent = request.agent(t.app);
    const form = await agent.get(new URL(link).pathname);
    await agent
      .post(new URL(link).pathname)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: 'puppet long password', confirm: 'puppet long password' });
    const login = await agent.get('/login');
    await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(login.text), email: 'sock-puppet@attacker.test', password: 'puppet long password' });
    const enrol = await agent.get('/mfa/enrol');
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(enrol.text)![1];
    await agent
      .post('/mfa/enrol')
      .type('form')
      .send({ _csrf: csrfFrom(enrol.text), code: totpNow(secret) });
    const puppet = await t.deps.db('users').where({ email: 'sock-puppet@attacker.test' }).first();

    await post(solo, '/admin/users', {
      email: 'puppet-officer@attacker.test',
      displayName: 'Puppet Officer',
      role: 'compliance_officer',
    });
    const inv = await t.deps.db('invitations').where({ email: 'puppet-officer@attacker.test' }).first();
    const page = await agent.get('/admin/users');
    const res = await agent
      .post(`/admin/invitations/${inv.id}/approve`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect((await t.deps.db('invitations').where({ id: inv.id }).first()).approved_at).toBeNull();
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'access.denied', actor: `user:${puppet.id}`, target: `invitation:${inv.id}` })
        .first(),
    ).toBeTruthy();
    await settle();
    expect(smtp.messages.filter((m) => m.to.includes('puppet-officer@attacker.test'))).toEqual([]);
  }, 90_000);

  it('an expired or cancelled invitation link does not work', async () => {
    await post(admin, '/admin/users', { email: 'late@example.com', displayName: 'Late', role: 'auditor' });
    const auditorNeedsApproval = (await t.deps.db('invitations').where({ email: 'late@example.com' }).first())
      .needs_approval;
    expect(auditorNeedsApproval).toBe(true); // auditors read requests: a second admin approves
    const second = await signIn(t, 'admin');
    const inv = await t.deps.db('invitations').where({ email: 'late@example.com' }).first();
    await post(second, `/admin/invitations/${inv.id}/approve`);
    const [link] = linkIn((await smtp.waitFor('late@example.com')).text)!;
    await t.deps
      .db('invitations')
      .where({ id: inv.id })
      .update({ expires_at: new Date(Date.now() - 1000) });
    expect((await request(t.app).get(new URL(link).pathname)).status).toBe(404);
    await t.deps
      .db('invitations')
      .where({ id: inv.id })
      .update({ expires_at: new Date(Date.now() + 3_600_000) });
    expect((await request(t.app).get(new URL(link).pathname)).status).toBe(200);
    await post(admin, `/admin/invitations/${inv.id}/cancel`);
    expect((await request(t.app).get(new URL(link).pathname)).status).toBe(404);
  });
});

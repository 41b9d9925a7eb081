import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestApp, createUser, csrfFrom, PASSWORD, signIn, type TestApp } from '../support/app';
import { totpNow } from '../../server/auth/totp';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function postLogin(agent: ReturnType<typeof request.agent>, email: string, password: string) {
  const page = await agent.get('/login');
  return agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email, password });
}

describe('sign-in', () => {
  it('GET /login › shows the sign-in form with a CSRF token and security headers', async () => {
    const res = await request(t.app).get('/login');
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-testid="login-form"');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('POST /login › re-renders with one generic message for a wrong password and for an unknown email alike', async () => {
    const user = await createUser(t, 'auditor');
    const wrong = await postLogin(request.agent(t.app), user.email, 'not the password');
    const unknown = await postLogin(request.agent(t.app), 'nobody@test.example', 'whatever password');
    expect(wrong.status).toBe(422);
    expect(unknown.status).toBe(422);
    const message = (html: string) => /<div class="error-summary"[\s\S]*?<\/div>/.exec(html)![0];
    expect(message(wrong.text)).toBe(message(unknown.text));
    expect(wrong.text).toContain(`value="${user.email}"`); // input kept
  });

  it('POST /login › rotates the session cookie when the password is accepted', async () => {
    const user = await createUser(t, 'auditor');
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const before = /lethe\.sid=([^;]+)/.exec(String(page.headers['set-cookie']))![1];
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: user.email, password: PASSWORD });
    const after = /lethe\.sid=([^;]+)/.exec(String(res.headers['set-cookie']))![1];
    expect(res.status).toBe(303);
    expect(after).not.toBe(before);
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/i);
    expect(String(res.headers['set-cookie'])).toMatch(/SameSite=Lax/i);
  });

  it('POST /login › locks the account out at the 6th attempt after 5 wrong passwords, even with the right one', async () => {
    const user = await createUser(t, 'auditor');
    for (let i = 0; i < 5; i++) expect((await postLogin(request.agent(t.app), user.email, `wrong-${i}`)).status).toBe(422);
    const sixth = await postLogin(request.agent(t.app), user.email, PASSWORD);
    expect(sixth.status).toBe(429);
    expect(sixth.text).toContain('Too many attempts');
    const failures = await t.deps.db('audit_log').where({ action: 'auth.login.failed' }).count({ n: '*' });
    expect(Number(failures[0].n)).toBeGreaterThanOrEqual(5);
    expect(await t.deps.db('audit_log').where({ action: 'auth.login.locked' }).first()).toBeTruthy();
  });

  it('an admin who has not enrolled MFA is sent to enrolment and cannot reach admin pages', async () => {
    const admin = await createUser(t, 'admin');
    const agent = request.agent(t.app);
    const res = await postLogin(agent, admin.email, PASSWORD);
    expect(res.headers.location).toBe('/mfa/enrol');
    const users = await agent.get('/admin/users');
    expect(users.status).toBe(303);
    expect(users.headers.location).toBe('/login');
    const api = await agent.get('/api/v1/me');
    expect(api.status).toBe(401);
  });

  it('MFA enrolment › turns on TOTP, shows recovery codes once, and audits it', async () => {
    const s = await signIn(t, 'admin');
    expect(s.totpSecret).toBeTruthy();
    expect((await s.agent.get('/admin/users')).status).toBe(200);
    expect(await t.deps.db('audit_log').where({ action: 'auth.mfa.enrolled', actor: `user:${s.userId}` }).first()).toBeTruthy();
  });

  it('POST /login/mfa › asks an enrolled user for the code, refuses a wrong one and accepts the right one', async () => {
    const first = await signIn(t, 'compliance_officer');
    const agent = request.agent(t.app);
    const res = await postLogin(agent, first.email, PASSWORD);
    expect(res.headers.location).toBe('/login/mfa');
    expect((await agent.get('/')).status).toBe(303); // not signed in yet
    const page = await agent.get('/login/mfa');
    const bad = await agent.post('/login/mfa').type('form').send({ _csrf: csrfFrom(page.text), code: '000000' });
    expect(bad.status).toBe(422);
    const good = await agent.post('/login/mfa').type('form').send({ _csrf: csrfFrom(bad.text), code: totpNow(first.totpSecret!) });
    expect(good.status).toBe(303);
    expect((await agent.get('/')).status).toBe(200);
  });

  it('a recovery code signs in once and is then used up', async () => {
    const user = await createUser(t, 'compliance_officer');
    const agent = request.agent(t.app);
    await postLogin(agent, user.email, PASSWORD);
    const enrol = await agent.get('/mfa/enrol');
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(enrol.text)![1];
    const done = await agent.post('/mfa/enrol').type('form').send({ _csrf: csrfFrom(enrol.text), code: totpNow(secret) });
    const code = /<li><code>([0-9a-f]{5}-[0-9a-f]{5})<\/code>/.exec(done.text)![1];
    for (const expected of [303, 422]) {
      const a = request.agent(t.app);
      await postLogin(a, user.email, PASSWORD);
      const page = await a.get('/login/mfa');
      const res = await a.post('/login/mfa').type('form').send({ _csrf: csrfFrom(page.text), code });
      expect(res.status).toBe(expected);
    }
  });

  it('POST /logout › ends the session', async () => {
    const s = await signIn(t, 'auditor');
    const res = await s.agent.post('/logout').type('form').send({ _csrf: await s.csrf() });
    expect(res.status).toBe(303);
    expect((await s.agent.get('/audit-log')).status).toBe(303);
  });
});

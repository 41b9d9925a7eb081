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
  return agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password });
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
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: PASSWORD });
    const after = /lethe\.sid=([^;]+)/.exec(String(res.headers['set-cookie']))![1];
    expect(res.status).toBe(303);
    expect(after).not.toBe(before);
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/i);
    expect(String(res.headers['set-cookie'])).toMatch(/SameSite=Lax/i);
  });

  it('POST /login › locks the account out at the 6th attempt after 5 wrong passwords, even with the right one', async () => {
    const user = await createUser(t, 'auditor');
    for (let i = 0; i < 5; i++)
      expect((await postLogin(request.agent(t.app), user.email, `wrong-${i}`)).status).toBe(422);
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
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'auth.mfa.enrolled', actor: `user:${s.userId}` })
        .first(),
    ).toBeTruthy();
  });

  it('POST /login/mfa › asks an enrolled user for the code, refuses a wrong one and accepts the right one', async () => {
    const first = await signIn(t, 'compliance_officer');
    const agent = request.agent(t.app);
    const res = await postLogin(agent, first.email, PASSWORD);
    expect(res.headers.location).toBe('/login/mfa');
    expect((await agent.get('/')).status).toBe(303); // not signed in yet
    const page = await agent.get('/login/mfa');
    const bad = await agent
      .post('/login/mfa')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), code: '000000' });
    expect(bad.status).toBe(422);
    const good = await agent
      .post('/login/mfa')
      .type('form')
      .send({ _csrf: csrfFrom(bad.text), code: totpNow(first.totpSecret!) });
    expect(good.status).toBe(303);
    expect((await agent.get('/')).status).toBe(200);
  });

  /** Password accepted, now on the second-factor page: posts a code, returns the response. */
  async function mfaStep(email: string) {
    const agent = request.agent(t.app);
    const res = await postLogin(agent, email, PASSWORD);
    expect(res.headers.location).toBe('/login/mfa');
    let csrf = csrfFrom((await agent.get('/login/mfa')).text);
    return {
      agent,
      async code(code: string) {
        const r = await agent.post('/login/mfa').type('form').send({ _csrf: csrf, code });
        if (r.status !== 303) csrf = csrfFrom(r.text);
        return r;
      },
    };
  }

  it('POST /login/mfa › refuses a TOTP code that already signed in, even within its 30-second window', async () => {
    const user = await signIn(t, 'compliance_officer');
    const code = totpNow(user.totpSecret!);
    expect((await (await mfaStep(user.email)).code(code)).status).toBe(303);
    const again = await mfaStep(user.email);
    const replay = await again.code(code);
    expect(replay.status).toBe(422);
    expect(replay.text).toContain('already been used');
    expect((await again.agent.get('/')).status).toBe(303); // not signed in
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'auth.mfa.failed', actor: `user:${user.userId}` })
        .whereRaw("details->>'reason' = 'totp_reused'")
        .first(),
    ).toBeTruthy();
  });

  it('POST /login/mfa › locks the account out at the 6th code after 5 wrong ones, even the right one, with the sign-in lockout message', async () => {
    const user = await signIn(t, 'compliance_officer');
    const step = await mfaStep(user.email);
    for (let i = 0; i < 5; i++) expect((await step.code('000000')).status).toBe(422);
    const sixth = await step.code(totpNow(user.totpSecret!));
    expect(sixth.status).toBe(429);
    expect(sixth.text).toContain('Too many attempts. Wait 15 minutes, then try again.');
    expect((await step.agent.get('/')).status).toBe(303);
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'auth.login.locked', actor: `user:${user.userId}` })
        .first(),
    ).toBeTruthy();
    // A fresh sign-in with the right password is locked out too.
    expect((await postLogin(request.agent(t.app), user.email, PASSWORD)).status).toBe(429);
  });

  it('POST /login › a right password does not reset the failure count: wrong passwords and wrong codes add up to the lockout', async () => {
    const user = await signIn(t, 'compliance_officer');
    for (let i = 0; i < 3; i++)
      expect((await postLogin(request.agent(t.app), user.email, `wrong-${i}`)).status).toBe(422);
    const step = await mfaStep(user.email);
    for (let i = 0; i < 2; i++) expect((await step.code('000000')).status).toBe(422);
    const sixth = await step.code(totpNow(user.totpSecret!));
    expect(sixth.status).toBe(429);
    expect(sixth.text).toContain('Too many attempts. Wait 15 minutes, then try again.');
  });

  it('POST /login/mfa › a completed sign-in clears the failure count', async () => {
    const user = await signIn(t, 'compliance_officer');
    for (let i = 0; i < 4; i++)
      expect((await postLogin(request.agent(t.app), user.email, `wrong-${i}`)).status).toBe(422);
    expect((await (await mfaStep(user.email)).code(totpNow(user.totpSecret!))).status).toBe(303);
    for (let i = 0; i < 2; i++)
      expect((await postLogin(request.agent(t.app), user.email, `wrong-again-${i}`)).status).toBe(422);
    expect((await postLogin(request.agent(t.app), user.email, PASSWORD)).headers.location).toBe('/login/mfa');
  });

  it('a recovery code signs in once and is then used up', async () => {
    const user = await createUser(t, 'compliance_officer');
    const agent = request.agent(t.app);
    await postLogin(agent, user.email, PASSWORD);
    const enrol = await agent.get('/mfa/enrol');
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(enrol.text)![1];
    const done = await agent
      .post('/mfa/enrol')
      .type('form')
      .send({ _csrf: csrfFrom(enrol.text), code: totpNow(secret) });
    const code = /<li><code>([0-9a-f]{5}-[0-9a-f]{5})<\/code>/.exec(done.text)![1];
    for (const expected of [303, 422]) {
      const a = request.agent(t.app);
      await postLogin(a, user.email, PASSWORD);
      const page = await a.get('/login/mfa');
      const res = await a
        .post('/login/mfa')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), code });
      expect(res.status).toBe(expected);
    }
  });

  it('POST /logout › ends the session', async () => {
    const s = await signIn(t, 'auditor');
    const res = await s.agent
      .post('/logout')
      .type('form')
      .send({ _csrf: await s.csrf() });
    expect(res.status).toBe(303);
    expect((await s.agent.get('/audit-log')).status).toBe(303);
  });
});

describe('offboarding and tokens', () => {
  it("a disabled user's API tokens stop working", async () => {
    const { apiToken } = await import('../support/app');
    const owner = await createUser(t, 'admin');
    const token = await apiToken(t, 'auditor', `user:${owner.id}`);
    expect((await request(t.app).get('/api/v1/me').set('authorization', `Bearer ${token}`)).status).toBe(200);
    await t.deps.db('users').where({ id: owner.id }).update({ disabled_at: new Date() });
    expect((await request(t.app).get('/api/v1/me').set('authorization', `Bearer ${token}`)).status).toBe(401);
  });
});

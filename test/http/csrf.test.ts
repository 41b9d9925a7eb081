import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, freshTotp, signIn, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('CSRF protection', () => {
  it('a form POST without the CSRF token gets 403 and changes nothing', async () => {
    const s = await signIn(t, 'admin');
    const res = await s.agent
      .post('/account/tokens')
      .type('form')
      .send({ name: 'forged', expiresInDays: '30', code: await freshTotp(t, s.userId) });
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form has expired');
    expect(await t.deps.db('api_tokens').where({ name: 'forged' }).first()).toBeUndefined();
  });

  it('a form POST with a wrong token gets 403; with the session token it succeeds', async () => {
    const s = await signIn(t, 'admin');
    expect(
      (
        await s.agent
          .post('/account/tokens')
          .type('form')
          .send({ _csrf: 'x'.repeat(32), name: 'forged', expiresInDays: '30', code: await freshTotp(t, s.userId) })
      ).status,
    ).toBe(403);
    const ok = await s.agent
      .post('/account/tokens')
      .type('form')
      .send({ _csrf: await s.csrf(), name: 'real', expiresInDays: '30', code: await freshTotp(t, s.userId) });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/account/tokens');
    const page = await s.agent.get(ok.headers.location);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/lethe_[\w-]{20,}/);
  });

  it('the login form itself is protected', async () => {
    const { default: request } = await import('supertest');
    const res = await request(t.app).post('/login').type('form').send({ email: 'a@b.c', password: 'x' });
    expect(res.status).toBe(403);
  });
});

// Attacks on the lockout: many wrong guesses sent at once for one account. Each is counted
// before it is checked, so the race gets no more checks than the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestApp, createUser, csrfFrom, PASSWORD, signIn, type TestApp } from '../support/app';
import { ACCOUNT_MAX_FAILURES } from '../../server/auth/throttle';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const count = async (where: Record<string, string>) =>
  Number((await t.deps.db('audit_log').where(where).count({ n: '*' }))[0].n);

describe('lockout without races', () => {
  it('120 parallel wrong passwords for one account are checked at most 5 times, and the lockout is audited once with its count', async () => {
    const user = await createUser(t, 'auditor');
    const outcomes = await Promise.all(
      Array.from({ length: 120 }, (_, i) => t.deps.auth.passwordLogin(user.email, `wrong-${i}`, '198.51.100.7')),
    );
    const checked = outcomes.filter((o) => o.kind === 'invalid').length;
    expect(checked).toBeLessThanOrEqual(ACCOUNT_MAX_FAILURES);
    expect(outcomes.filter((o) => o.kind === 'locked').length).toBe(120 - checked);
    // Every check that failed is on record; the 115 refused attempts are one lockout entry.
    expect(await count({ action: 'auth.login.failed' })).toBe(checked);
    // Once for the account; the address (120 attempts from one place) passed its own limit once too.
    const locked = await t.deps
      .db('audit_log')
      .where({ action: 'auth.login.locked' })
      .whereRaw("details->>'key' = 'account'");
    expect(locked).toHaveLength(1);
    expect(await count({ action: 'auth.login.locked' })).toBe(2);
    expect(locked[0].details.attempts).toBe(ACCOUNT_MAX_FAILURES + 1);
    expect((await t.deps.auth.passwordLogin(user.email, PASSWORD, '198.51.100.7')).kind).toBe('locked');
  });

  it('40 parallel wrong TOTP codes are checked at most 5 times', async () => {
    const s = await signIn(t, 'compliance_officer');
    // The password step through the real page, then the codes in parallel.
    const agent = request.agent(t.app);
    const login = await agent.get('/login');
    const res = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(login.text), email: s.email, password: PASSWORD });
    expect(res.headers.location).toBe('/login/mfa');
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => t.deps.auth.verifyMfa(s.userId, String(100000 + i), '198.51.100.8')),
    );
    const checked = outcomes.filter((o) => o.kind === 'invalid').length;
    expect(checked).toBeLessThanOrEqual(ACCOUNT_MAX_FAILURES);
    expect(await count({ action: 'auth.mfa.failed', actor: `user:${s.userId}` })).toBe(checked);
    expect(await count({ action: 'auth.login.locked', actor: `user:${s.userId}` })).toBe(1);
  });

  it('a lockout whose window ended is recorded once more with the number of attempts it refused', async () => {
    const user = await createUser(t, 'auditor');
    for (let i = 0; i < 9; i++) await t.deps.auth.passwordLogin(user.email, `wrong-${i}`, '198.51.100.9');
    // The window ends: move its start back past the window.
    await t.deps
      .db('login_throttle')
      .where('key', 'like', 'account:%')
      .andWhere('attempts', 9)
      .update({ window_started_at: new Date(Date.now() - 16 * 60_000) });
    expect((await t.deps.auth.passwordLogin(user.email, PASSWORD, '198.51.100.9')).kind).toBe('ok');
    const ended = await t.deps
      .db('audit_log')
      .where({ action: 'auth.login.lockout_ended' })
      .whereRaw("details->>'key' = 'account'");
    expect(ended).toHaveLength(1);
    expect(ended[0].details.refused).toBe(4);
  });

  it('housekeeping that removes an ended lockout records it once with the number of attempts it refused', async () => {
    const { housekeep } = await import('../../jobs/reconciler');
    const user = await createUser(t, 'auditor');
    for (let i = 0; i < 12; i++) await t.deps.auth.passwordLogin(user.email, `wrong-${i}`, '198.51.100.10');
    await t.deps
      .db('login_throttle')
      .where('attempts', 12)
      .update({ window_started_at: new Date(Date.now() - 16 * 60_000) });
    const before = await count({ action: 'auth.login.lockout_ended' });
    await housekeep(t.deps);
    const ended = await t.deps
      .db('audit_log')
      .where({ action: 'auth.login.lockout_ended' })
      .orderBy('seq', 'desc')
      .limit((await count({ action: 'auth.login.lockout_ended' })) - before);
    expect(ended.map((e) => e.details.refused)).toContain(7);
  });
});

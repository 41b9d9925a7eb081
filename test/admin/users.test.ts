import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestApp, createUser, csrfFrom, PASSWORD, signIn, type SignedIn, type TestApp } from '../support/app';

let t: TestApp;
let admin: SignedIn;
beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t, 'admin');
});
afterAll(() => t.close());

async function post(s: SignedIn, path: string, body: Record<string, string> = {}) {
  return s.agent
    .post(path)
    .type('form')
    .send({ _csrf: await s.csrf(), ...body });
}
const flashOn = async (s: SignedIn) => (await s.agent.get('/admin/users')).text;
const userRow = (id: string) => t.deps.db('users').where({ id }).first();
const sessionsOf = async (id: string) =>
  Number((await t.deps.db('sessions').whereRaw("sess->>'userId' = ?", [id]).count({ n: '*' }))[0].n);
async function passwordLogin(email: string) {
  const agent = request.agent(t.app);
  const page = await agent.get('/login');
  return agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password: PASSWORD });
}

describe('admin › users', () => {
  it('GET /admin/users › offers CSRF-protected disable and role forms for others, says what they do, and none for oneself', async () => {
    const other = await createUser(t, 'auditor');
    const page = await admin.agent.get('/admin/users');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`action="/admin/users/${other.id}/disable"`);
    expect(page.text).toContain(`action="/admin/users/${other.id}/role"`);
    expect(page.text).toContain('signs the person out everywhere at once');
    expect(page.text).not.toContain(`action="/admin/users/${admin.userId}/disable"`);
    expect(page.text).not.toContain(`action="/admin/users/${admin.userId}/role"`);
    expect(page.text).not.toContain(`action="/admin/users/${admin.userId}/reset-mfa"`);
    const forms = page.text.match(/<form method="post"[\s\S]*?<\/form>/g)!;
    for (const form of forms) expect(form).toMatch(/name="_csrf" value="[^"]+"/);
  });

  it('POST /admin/users/:id/disable › ends the live session at once, blocks sign-in, audits it; enable lets them back in', async () => {
    const target = await signIn(t, 'compliance_officer');
    expect((await target.agent.get('/')).status).toBe(200);
    expect(await sessionsOf(target.userId)).toBeGreaterThan(0);

    const res = await post(admin, `/admin/users/${target.userId}/disable`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/users');
    expect(await flashOn(admin)).toContain('is disabled and was signed out everywhere');
    expect((await userRow(target.userId)).disabled_at).toBeTruthy();
    expect(await sessionsOf(target.userId)).toBe(0);
    const after = await target.agent.get('/');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login');
    expect((await passwordLogin(target.email)).status).toBe(422);
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'user.disable', target: `user:${target.userId}` })
      .first();
    expect(entry.actor).toBe(`user:${admin.userId}`);

    expect((await post(admin, `/admin/users/${target.userId}/enable`)).status).toBe(303);
    expect((await userRow(target.userId)).disabled_at).toBeNull();
    expect((await passwordLogin(target.email)).headers.location).toBe('/login/mfa');
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'user.enable', target: `user:${target.userId}`, actor: `user:${admin.userId}` })
        .first(),
    ).toBeTruthy();
  });

  it('a live session stops working as soon as its user is disabled, even if the session row survives', async () => {
    const target = await signIn(t, 'auditor');
    expect((await target.agent.get('/audit-log')).status).toBe(200);
    await t.deps.db('users').where({ id: target.userId }).update({ disabled_at: new Date() });
    expect(await sessionsOf(target.userId)).toBeGreaterThan(0);
    expect((await target.agent.get('/audit-log')).status).toBe(303);
  });

  it('POST /admin/users/:id/role › changes the role, ends their sessions and audits from → to', async () => {
    const target = await signIn(t, 'compliance_officer');
    expect((await target.agent.get('/')).status).toBe(200);
    const res = await post(admin, `/admin/users/${target.userId}/role`, { role: 'data_steward' });
    expect(res.status).toBe(303);
    expect(await flashOn(admin)).toContain('now has the role data steward and was signed out');
    expect((await userRow(target.userId)).role).toBe('data_steward');
    expect(await sessionsOf(target.userId)).toBe(0);
    expect((await target.agent.get('/')).status).toBe(303);
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'user.role_change', target: `user:${target.userId}` })
      .first();
    expect(entry.actor).toBe(`user:${admin.userId}`);
    expect(entry.details).toMatchObject({ from: 'compliance_officer', to: 'data_steward' });
  });

  it('POST /admin/users/:id/role › re-renders with an error linked to the field for a role the policy does not define', async () => {
    const target = await createUser(t, 'auditor');
    const res = await post(admin, `/admin/users/${target.id}/role`, { role: 'superuser' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`href="#role-${target.id}"`);
    expect(res.text).toContain(`id="role-${target.id}"`);
    expect((await userRow(target.id)).role).toBe('auditor');
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'user.role_change', target: `user:${target.id}` })
        .first(),
    ).toBeUndefined();
  });

  it('POST /admin/users/:id/reset-mfa › an admin cannot reset their own two-factor: another admin must', async () => {
    const res = await post(admin, `/admin/users/${admin.userId}/reset-mfa`);
    expect(res.status).toBe(303);
    expect(await flashOn(admin)).toContain(
      'You cannot reset your own two-factor authentication. Ask another admin to do it.',
    );
    expect((await userRow(admin.userId)).mfa_enrolled_at).toBeTruthy();
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'user.reset_mfa', target: `user:${admin.userId}` })
        .first(),
    ).toBeUndefined();
  });

  it('an admin cannot disable themselves or change their own role', async () => {
    for (const [path, body, message] of [
      ['disable', {}, 'You cannot disable your own account'],
      ['role', { role: 'auditor' }, 'You cannot change your own role'],
    ] as const) {
      const res = await post(admin, `/admin/users/${admin.userId}/${path}`, body);
      expect(res.status, path).toBe(303);
      expect(await flashOn(admin), path).toContain(message);
    }
    const me = await userRow(admin.userId);
    expect(me.disabled_at).toBeNull();
    expect(me.role).toBe('admin');
    expect(me.mfa_enrolled_at).toBeTruthy();
    expect((await admin.agent.get('/admin/users')).status).toBe(200);
  });

  it("POST /admin/users/:id/reset-mfa › still resets another user's second factor", async () => {
    const target = await signIn(t, 'compliance_officer');
    expect((await post(admin, `/admin/users/${target.userId}/reset-mfa`)).status).toBe(303);
    expect((await userRow(target.userId)).mfa_enrolled_at).toBeNull();
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'user.reset_mfa', target: `user:${target.userId}` })
        .first(),
    ).toBeTruthy();
  });

  it('POST /admin/users/:id/disable › is a 404 for an unknown user and a 403 without user:update', async () => {
    expect((await post(admin, `/admin/users/${crypto.randomUUID()}/disable`)).status).toBe(404);
    const officer = await signIn(t, 'compliance_officer');
    const victim = await createUser(t, 'auditor');
    const res = await post(officer, `/admin/users/${victim.id}/disable`);
    expect(res.status).toBe(403);
    expect(res.text).toContain('user:update');
    expect((await userRow(victim.id)).disabled_at).toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, signIn, type TestApp } from '../support/app';
import { cliRunner } from '../support/cli';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const cli = (args: string[]) => cliRunner(t.env)(args);
const userRow = (id: string) => t.deps.db('users').where({ id }).first();

describe('lethe user disable | enable | set-role', () => {
  it('lethe user disable › disables the user, ends their sessions and audits it; enable undoes it', async () => {
    const target = await signIn(t, 'auditor');
    const disabled = await cli(['user', 'disable', '--email', target.email]);
    expect(disabled).toMatchObject({ code: 0, err: '' });
    expect(disabled.out).toContain(`disabled ${target.email}`);
    expect((await userRow(target.userId)).disabled_at).toBeTruthy();
    expect((await target.agent.get('/')).status).toBe(303);
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'user.disable', actor: 'system:cli', target: `user:${target.userId}` })
        .first(),
    ).toBeTruthy();

    expect((await cli(['user', 'disable', '--email', target.email])).out).toContain('already disabled');
    const enabled = await cli(['user', 'enable', '--email', target.email]);
    expect(enabled.code).toBe(0);
    expect((await userRow(target.userId)).disabled_at).toBeNull();
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'user.enable', actor: 'system:cli', target: `user:${target.userId}` })
        .first(),
    ).toBeTruthy();
  });

  it('lethe user set-role › changes the role, ends their sessions and audits from → to', async () => {
    const target = await signIn(t, 'compliance_officer');
    expect((await target.agent.get('/')).status).toBe(200);
    const res = await cli(['user', 'set-role', '--email', target.email.toUpperCase(), '--role', 'data_steward']);
    expect(res).toMatchObject({ code: 0, err: '' });
    expect(res.out).toContain('compliance_officer -> data_steward');
    expect((await userRow(target.userId)).role).toBe('data_steward');
    expect((await target.agent.get('/')).status).toBe(303);
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'user.role_change', target: `user:${target.userId}` })
      .first();
    expect(entry).toMatchObject({
      actor: 'system:cli',
      details: expect.objectContaining({ from: 'compliance_officer', to: 'data_steward' }),
    });
  });

  it('fails with a clear message and a non-zero exit for an unknown email, an unknown role or a missing option', async () => {
    const user = await createUser(t, 'auditor');
    const unknownEmail = await cli(['user', 'disable', '--email', 'nobody@test.example']);
    expect(unknownEmail.code).toBe(1);
    expect(unknownEmail.err).toContain('No user with email nobody@test.example');
    const unknownRole = await cli(['user', 'set-role', '--email', user.email, '--role', 'superuser']);
    expect(unknownRole.code).toBe(1);
    expect(unknownRole.err).toContain('Unknown role "superuser". Roles: admin');
    expect((await userRow(user.id)).role).toBe('auditor');
    const missing = await cli(['user', 'set-role', '--email', user.email]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("required option '--role <role>' not specified");
    expect((await cli(['user', 'enable'])).code).not.toBe(0);
  });
});

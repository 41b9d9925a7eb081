// API tokens are personal: each person mints their own (with a fresh TOTP code) under "My API
// tokens"; the admin page lists every token with its owner and marks CLI tokens as break-glass.
// (Before issue 10, admins minted tokens for any role on this page.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, freshTotp, signIn, type SignedIn, type TestApp } from '../support/app';
import { runCli } from '../../server/cli';

let t: TestApp;
let admin: SignedIn;
beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t, 'admin');
});
afterAll(() => t.close());

const TOKEN = /lethe_[\w-]{20,}/;

describe('admin › API tokens', () => {
  it('POST /account/tokens › redirects, shows the new token once, and a refresh mints no second token', async () => {
    const res = await admin.agent
      .post('/account/tokens')
      .type('form')
      .send({
        _csrf: await admin.csrf(),
        name: 'ticketing',
        expiresInDays: '30',
        code: await freshTotp(t, admin.userId),
      });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/tokens');
    expect(res.text).not.toMatch(TOKEN);
    const shown = await admin.agent.get('/account/tokens');
    expect(shown.status).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    const token = /data-testid="new-token">[\s\S]*?<code>([^<]+)<\/code>/.exec(shown.text)![1];
    expect(token).toMatch(TOKEN);
    expect(await t.deps.auth.principalFromToken(token)).toMatchObject({
      kind: 'token',
      role: 'admin',
      person: `user:${admin.userId}`,
    });
    // The session does not keep the token in clear text, and drops it once shown.
    expect(JSON.stringify(await t.deps.db('sessions').select('sess'))).not.toContain(token);
    const refreshed = await admin.agent.get('/account/tokens');
    expect(refreshed.text).not.toContain('data-testid="new-token"');
    expect(refreshed.text).not.toContain(token);
    expect(await t.deps.db('api_tokens').where({ name: 'ticketing' }).count({ n: '*' })).toEqual([{ n: '1' }]);
  });

  it('GET /admin/tokens › names the owner and who minted each token; a CLI token is marked break-glass and audited as such', async () => {
    const officer = await signIn(t, 'compliance_officer');
    const out: string[] = [];
    const code = await runCli(
      ['token', 'create', '--for', officer.email, '--name', 'from the shell'],
      { out: (s) => out.push(s), err: (s) => out.push(s) },
      t.env,
    );
    expect(code, out.join('')).toBe(0);
    expect(out.join('')).toMatch(TOKEN);
    const page = await admin.agent.get('/admin/tokens');
    const row = /<td>from the shell<\/td>[\s\S]*?<\/tr>/.exec(page.text)![0];
    expect(row).toContain('Test compliance_officer');
    expect(row).toContain('Lethe (cli)');
    expect(row).toContain('data-testid="breakglass"');
    expect(
      await t.deps.db('audit_log').where({ action: 'breakglass.token.create', actor: 'system:cli' }).first(),
    ).toBeTruthy();
    // The admin page mints nothing any more.
    expect(
      (
        await admin.agent
          .post('/admin/tokens')
          .type('form')
          .send({ _csrf: await admin.csrf(), name: 'x', role: 'auditor' })
      ).status,
    ).toBe(404);
  });
});

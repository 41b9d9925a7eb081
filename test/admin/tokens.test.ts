import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';

let t: TestApp;
let admin: SignedIn;
beforeAll(async () => {
  t = await createTestApp();
  admin = await signIn(t, 'admin');
});
afterAll(() => t.close());

const TOKEN = /lethe_[\w-]{20,}/;

describe('admin › API tokens', () => {
  it('POST /admin/tokens › redirects, shows the new token once, and a refresh mints no second token', async () => {
    const res = await admin.agent.post('/admin/tokens').type('form').send({ _csrf: await admin.csrf(), name: 'ticketing', role: 'auditor' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/tokens');
    expect(res.text).not.toMatch(TOKEN);
    const shown = await admin.agent.get('/admin/tokens');
    expect(shown.status).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    const token = /data-testid="new-token">[\s\S]*?<code>([^<]+)<\/code>/.exec(shown.text)![1];
    expect(token).toMatch(TOKEN);
    expect(await t.deps.auth.principalFromToken(token)).toMatchObject({ kind: 'token', role: 'auditor' });
    // The session does not keep the token in clear text, and drops it once shown.
    expect(JSON.stringify(await t.deps.db('sessions').select('sess'))).not.toContain(token);
    const refreshed = await admin.agent.get('/admin/tokens');
    expect(refreshed.text).not.toContain('data-testid="new-token"');
    expect(refreshed.text).not.toContain(token);
    expect(await t.deps.db('api_tokens').where({ name: 'ticketing' }).count({ n: '*' })).toEqual([{ n: '1' }]);
  });

  it('GET /admin/tokens › names the person who created each token, not their user id', async () => {
    await admin.agent.post('/admin/tokens').type('form').send({ _csrf: await admin.csrf(), name: 'named', role: 'auditor' });
    await t.deps.auth.createToken({ name: 'from the shell', role: 'auditor' }, 'system:cli');
    const page = await admin.agent.get('/admin/tokens');
    const row = (name: string) => new RegExp(`<td>${name}</td>[\\s\\S]*?</tr>`).exec(page.text)![0];
    expect(row('named')).toContain('Test admin');
    expect(row('named')).not.toContain(`user:${admin.userId}`);
    expect(row('from the shell')).toContain('Lethe (cli)');
  });
});

// Cheap-exhaustion attacks by anonymous callers: each test sends the flood and passes only when
// it costs the installation nothing that grows (sessions, metric labels, parsed bodies).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { apiToken, createTestApp, createUser, csrfFrom, PASSWORD, signIn, type TestApp } from '../support/app';

const randomPath = () => `/${crypto.randomBytes(6).toString('hex')}/${crypto.randomBytes(4).toString('hex')}`;
const sessionCount = async (t: TestApp) => Number((await t.deps.db('sessions').count({ n: '*' }))[0].n);
const httpSeries = (text: string) =>
  new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('lethe_http_request_duration_seconds_count'))
      .map((l) => l.replace(/\s\S+$/, '')),
  );

describe('anonymous floods', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LETHE_ANON_RATE_LIMIT: '100000' } });
  });
  afterAll(() => t.close());

  it('2,000 anonymous requests to random paths leave the session table and the metrics size unchanged', async () => {
    // One of each kind first, so the single "unmatched" series exists before the flood.
    await request(t.app).get(randomPath());
    await request(t.app).post(randomPath()).type('form').send({ a: 1 });
    await request(t.app).get(`/api/v1${randomPath()}`);
    await request(t.app).get('/metrics');
    const sessionsBefore = await sessionCount(t);
    const before = await request(t.app).get('/metrics');
    for (let i = 0; i < 100; i++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          j % 10 === 0
            ? request(t.app).post(randomPath()).type('form').send({ x: 'y' })
            : j % 5 === 0
              ? request(t.app).get(`/api/v1${randomPath()}`)
              : request(t.app).get(randomPath()),
        ),
      );
    }
    const after = await request(t.app).get('/metrics');
    expect(await sessionCount(t)).toBe(sessionsBefore);
    expect([...httpSeries(after.text)].sort()).toEqual([...httpSeries(before.text)].sort());
    expect(after.text).toContain('route="unmatched"');
    // Counters grow by a few digits; no new series.
    expect(after.text.length - before.text.length).toBeLessThan(2_000);
  }, 120_000);

  it('an anonymous request to a protected page creates no session, and the sign-in still returns there', async () => {
    const before = await sessionCount(t);
    const res = await request(t.app).get('/audit-log?action=auth.');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect(await sessionCount(t)).toBe(before);
    const user = await createUser(t, 'auditor');
    const agent = request.agent(t.app);
    await agent.get('/audit-log?action=auth.');
    const page = await agent.get('/login');
    const login = await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: PASSWORD });
    expect(login.headers.location).toBe('/audit-log?action=auth.');
  });

  it('the API authenticates before it parses: malformed or huge JSON without a token is a 401', async () => {
    const res = await request(t.app)
      .post('/api/v1/requests')
      .set('content-type', 'application/json')
      .send('{"not json');
    expect(res.status).toBe(401);
    const nested = '['.repeat(100_000) + ']'.repeat(100_000);
    const anon = await request(t.app).post('/api/v1/requests').set('content-type', 'application/json').send(nested);
    expect(anon.status).toBe(401);
  });

  it('the API refuses JSON nested deeper than 32 levels, even from a valid token', async () => {
    const token = await apiToken(t, 'compliance_officer');
    const nested = '{"a":'.repeat(200) + '1' + '}'.repeat(200);
    const res = await request(t.app)
      .post('/api/v1/requests')
      .set('authorization', `Bearer ${token}`)
      .set('content-type', 'application/json')
      .send(nested);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('nested deeper than 32');
    // Brackets inside strings do not count.
    const fine = await request(t.app)
      .post('/api/v1/requests')
      .set('authorization', `Bearer ${token}`)
      .send({
        type: 'erasure',
        regulation: 'gdpr',
        identity: { email: 'brackets@example.com' },
        reference: '['.repeat(100),
      });
    expect(fine.status).toBe(201);
  });
});

describe('anonymous rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LETHE_ANON_RATE_LIMIT: '20', TRUST_PROXY: '1' } });
  });
  afterAll(() => t.close());

  it('one address gets 429 after its anonymous limit (web and API alike); another address and signed-in people are not affected', async () => {
    const from = (ip: string) => (r: request.Test) => r.set('x-forwarded-for', ip);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await from('203.0.113.5')(request(t.app).get(randomPath()))).status);
    expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect((await from('203.0.113.5')(request(t.app).get('/api/v1/me'))).status).toBe(429);
    expect((await from('203.0.113.5')(request(t.app).get('/login'))).status).toBe(429);
    expect((await from('203.0.113.6')(request(t.app).get('/login'))).status).toBe(200);
    const count = await t.deps.db('anon_rate_limit').where({ address: '203.0.113.5' }).first();
    expect(count.requests).toBeGreaterThanOrEqual(27);
  });
});

describe('sessions and metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: { LETHE_METRICS_NETWORKS: '10.0.0.0/8', LETHE_METRICS_TOKEN: 'scrape-token-0123456789' },
    });
  });
  afterAll(() => t.close());

  it('/metrics is refused outside the configured network, and served with the token', async () => {
    expect((await request(t.app).get('/metrics')).status).toBe(403);
    expect((await request(t.app).get('/metrics').set('authorization', 'Bearer wrong-token-0123456789')).status).toBe(
      403,
    );
    const ok = await request(t.app).get('/metrics').set('authorization', 'Bearer scrape-token-0123456789');
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('lethe_http_request_duration_seconds');
  });

  it('a sign-in ends after its absolute lifetime however active it is', async () => {
    const s = await signIn(t, 'auditor');
    expect((await s.agent.get('/audit-log')).status).toBe(200);
    await t.deps
      .db('sessions')
      .whereRaw("sess->>'userId' = ?", [s.userId])
      .update({
        sess: t.deps.db.raw(`jsonb_set(sess, '{signedInAt}', ?::jsonb)`, [String(Date.now() - 13 * 3600_000)]),
      });
    expect((await s.agent.get('/audit-log')).status).toBe(303);
  });

  it('an MFA reset ends the sessions signed in with the old second factor', async () => {
    const s = await signIn(t, 'compliance_officer');
    expect((await s.agent.get('/requests')).status).toBe(200);
    const admin = await createUser(t, 'admin');
    const result = await t.deps.auth.resetMfa(s.userId, `user:${admin.id}`);
    expect(result).toMatchObject({ kind: 'ok', sessionsEnded: 1 });
    expect((await s.agent.get('/requests')).status).toBe(303);
  });

  it('the TOTP secret being enrolled is encrypted in the session store', async () => {
    const user = await createUser(t, 'compliance_officer');
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    await agent
      .post('/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: user.email, password: PASSWORD });
    const enrol = await agent.get('/mfa/enrol');
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(enrol.text)![1];
    const stored = await t.deps.db('sessions').whereRaw("sess->>'pendingUserId' = ?", [user.id]).first();
    expect(JSON.stringify(stored.sess)).not.toContain(secret);
    expect(t.deps.crypto.decrypt(stored.sess.pendingEnrolmentSecret)).toBe(secret);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { signIn, apiToken, createUser, freshTotp, type SignedIn, apiAs, binaryBody } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { processPools } from '../../server/systems/connections';
import { createDemoApp, expectedClosing, sql, until, type DemoApp } from './support';

let t: DemoApp;
let workers: RunningWorkers;
let alice: SignedIn;
let bob: SignedIn;
let subject: { id: number; email: string };

beforeAll(async () => {
  t = await createDemoApp();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  alice = await signIn(t, 'compliance_officer');
  bob = await signIn(t, 'compliance_officer');
  // A customer with an order inside the 18-month chargeback window: the exemption keeps that
  // order while the customer row it references is deleted.
  [subject] = await sql<{ id: number; email: string }>(
    t.urls.crm,
    `SELECT c.id, c.email FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.placed_at > now() - interval '17 months') ORDER BY c.id LIMIT 1`,
  );
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
});

const status = async (id: string) => (await t.deps.db('requests').where({ id }).first()).status as string;

async function submitted(by: SignedIn, fields: Record<string, string>): Promise<string> {
  const res = await by.agent
    .post('/requests')
    .type('form')
    .send({ _csrf: await by.csrf(), type: 'erasure', regulation: 'gdpr', ...fields });
  expect(res.status).toBe(303);
  return res.headers.location.split('/').pop()!;
}

describe('data-subject requests through the UI', () => {
  it('POST /requests › re-renders with field errors and keeps the input when no identity is given', async () => {
    const res = await alice.agent
      .post('/requests')
      .type('form')
      .send({ _csrf: await alice.csrf(), type: 'erasure', regulation: 'gdpr', reference: 'TCK-1', email: '' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Give at least one identity');
    expect(res.text).toContain('href="#email"');
    expect(res.text).toContain('value="TCK-1"');
  });

  it('stores the identity encrypted with a blind index, sets the GDPR due date, and flags a duplicate', async () => {
    const id = await submitted(alice, { email: 'dup@example.com', reference: 'TCK-2' });
    const row = await t.deps.db('requests').where({ id }).first();
    expect(row.identity_enc).not.toContain('dup@example.com');
    expect(row.identity_index).toBe(t.deps.crypto.blindIndex('email:dup@example.com'));
    expect(new Date(row.due_at).getTime() - new Date(row.received_at).getTime()).toBeGreaterThan(27 * 86_400_000);
    const second = await submitted(bob, { email: 'DUP@example.com' });
    expect((await t.deps.db('requests').where({ id: second }).first()).duplicate_of).toBe(id);
    const page = await bob.agent.get(`/requests/${second}`);
    expect(page.text).toContain('Possible duplicate');
  });

  it('the submitter cannot approve their own request (four-eyes); another officer can, and the erasure completes clean with a certificate', async () => {
    const id = await submitted(alice, { email: subject.email, reference: 'TCK-3' });
    const verify = await alice.agent
      .post(`/requests/${id}/verify`)
      .type('form')
      .send({ _csrf: await alice.csrf(), method: 'email_link', evidence: 'Link clicked from the address on file' });
    expect(verify.status).toBe(303);
    const own = await alice.agent
      .post(`/requests/${id}/approve`)
      .type('form')
      .send({ _csrf: await alice.csrf() });
    expect(own.status).toBe(403);
    expect(own.text).toContain('request:approve');
    expect(await status(id)).toBe('identity_verified');

    const preview = await bob.agent.get(`/requests/${id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('Nothing has been changed');
    expect(preview.text).toContain('crm.customers');
    expect((await sql(t.urls.crm, 'SELECT 1 FROM customers WHERE id = $1', [subject.id])).length).toBe(1);

    const closing = await expectedClosing(t.urls, subject.email);
    // Approving in the UI asks for a fresh code (re-authentication); without one, nothing happens.
    const noCode = await bob.agent
      .post(`/requests/${id}/approve`)
      .type('form')
      .send({ _csrf: await bob.csrf() });
    expect(noCode.status).toBe(422);
    expect(await status(id)).toBe('identity_verified');
    const idleBefore = processPools.idle();
    const approve = await bob.agent
      .post(`/requests/${id}/approve`)
      .type('form')
      .send({ _csrf: await bob.csrf(), code: await freshTotp(t, bob.userId) });
    expect(approve.status).toBe(303);
    await until(
      async () => ['completed', 'part_held', 'needs_attention'].includes(await status(id)),
      60_000,
      'erasure',
    );
    const row = await t.deps.db('requests').where({ id }).first();
    // Issue 9: a subject with support tickets closes "part held" (tickets under LIT-2026-014).
    expect(row.status).toBe(closing);
    expect(row.outcome.verification.clean).toBe(true);
    expect(row.identity_enc).toBeNull();
    expect(row.discovered_enc).toBeNull();
    expect(
      await sql(t.urls.crm, 'SELECT 1 FROM customers WHERE id = $1 OR lower(email) = lower($2)', [
        subject.id,
        subject.email,
      ]),
    ).toHaveLength(0);

    // The job borrowed the pools the preview gave back and returned them for the next job
    // (server/systems/pool-registry.ts): none is left lent, none was closed.
    expect(processPools.idle()).toBeGreaterThan(0);
    expect(processPools.idle()).toBeGreaterThanOrEqual(idleBefore);

    const steps = await t.deps.db('request_steps').where({ request_id: id });
    expect(steps.length).toBeGreaterThanOrEqual(10);
    expect(steps.every((s) => s.status === 'done' && s.applied_count === 1)).toBe(true);

    const cert = await bob.agent.get(`/requests/${id}/certificate.pdf`).buffer(true).parse(binaryBody);
    expect(cert.status).toBe(200);
    expect(cert.headers['content-type']).toBe('application/pdf');
    const audited = await t.deps
      .db('audit_log')
      .where({ action: 'request.certificate', target: `request:${id}` })
      .first();
    expect(audited.details.sha256).toBe(cert.headers['x-content-sha256']);
    const file = path.join(os.tmpdir(), `cert-${id}.pdf`);
    fs.writeFileSync(file, cert.body as Buffer);
    const text = execFileSync('pdftotext', [file, '-']).toString();
    expect(text).toContain(id);
    expect(text).not.toContain(subject.email);
    // The kept chargeback order could not hold a token in its foreign key: the certificate says NULL.
    expect(text.replace(/\s+/g, ' ')).toMatch(
      /customer_id: pseudonymize on a column referencing customers\.id (→|->) NULL/,
    );

    const actions = (await t.deps
      .db('audit_log')
      .where({ target: `request:${id}` })
      .orderBy('seq')
      .pluck('action')) as string[];
    const closed = closing === 'part_held' ? 'request.complete_part_held' : 'request.complete';
    expect(actions).toEqual(
      expect.arrayContaining([
        'request.create',
        'request.verify',
        'request.approve',
        'request.running',
        'request.verifying',
        closed,
      ]),
    );
    if (closing === 'part_held') {
      // The certificate names the held tickets, the hold, its case and its legal basis.
      expect(text.replace(/\s+/g, ' ')).toMatch(
        /support\.tickets: \d+ row\(s\) kept untouched under legal hold lit_2026_014_support_tickets \(case LIT-2026-014\), GDPR Art\. 17\(3\)\(e\)/,
      );
    }
  }, 90_000);

  it('denying needs a reason and destroys the identity', async () => {
    const id = await submitted(alice, { email: 'deny-me@example.com' });
    const empty = await bob.agent
      .post(`/requests/${id}/deny`)
      .type('form')
      .send({ _csrf: await bob.csrf(), reason: '' });
    expect(empty.status).toBe(422);
    const ok = await bob.agent
      .post(`/requests/${id}/deny`)
      .type('form')
      .send({ _csrf: await bob.csrf(), reason: 'Identity could not be verified after two attempts' });
    expect(ok.status).toBe(303);
    const row = await t.deps.db('requests').where({ id }).first();
    expect(row.status).toBe('denied');
    expect(row.identity_enc).toBeNull();
    expect(row.denial_reason).toContain('Identity could not be verified');
    // The append-only log (never erasable) records that a reason was given, not the reason.
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'request.deny', target: `request:${id}` })
      .first();
    expect(JSON.stringify(entry.details)).not.toContain('Identity could not');
    const again = await bob.agent
      .post(`/requests/${id}/deny`)
      .type('form')
      .send({ _csrf: await bob.csrf(), reason: 'Trying to deny twice here' });
    expect(again.status).toBe(409);
  });

  it('the requests list sorts by urgency and paginates', async () => {
    const page = await alice.agent.get('/requests?status=open&sort=due&dir=asc');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="request-row"');
    expect(page.text).toMatch(/\d+ days left/);
  });
});

describe('data-subject requests through the API', () => {
  it('POST /api/v1/requests › 201 with id, status and due date; 400 with field errors on a bad body', async () => {
    const token = await apiToken(t, 'compliance_officer');
    const bad = await request(t.app)
      .post('/api/v1/requests')
      .set('authorization', `Bearer ${token}`)
      .send({ type: 'erasure', regulation: 'xx', identity: {} });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(expect.arrayContaining(['regulation']));
    const res = await request(t.app)
      .post('/api/v1/requests')
      .set('authorization', `Bearer ${token}`)
      .send({ type: 'access', regulation: 'lgpd', identity: { email: 'api@example.com' }, reference: 'API-1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'received' });
    const days = (new Date(res.body.dueAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(14);
    expect(days).toBeLessThanOrEqual(16);
  });

  it('four-eyes applies between tokens; an access request completes with a downloadable package', async () => {
    const [a, b] = [await apiToken(t, 'compliance_officer'), await apiToken(t, 'compliance_officer')];
    const [other] = await sql<{ email: string }>(
      t.urls.crm,
      'SELECT email FROM customers ORDER BY id LIMIT 1 OFFSET 6',
    );
    const api = (tok: string) => apiAs(t.app, tok);
    const created = await api(a).post('/requests', {
      type: 'access',
      regulation: 'gdpr',
      identity: { email: other.email },
    });
    const id = created.body.id;
    expect(
      (await api(a).post(`/requests/${id}/verify`, { method: 'account_login', evidence: 'Signed-in session' })).status,
    ).toBe(200);
    expect((await api(a).post(`/requests/${id}/approve`)).status).toBe(403);
    expect((await api(b).post(`/requests/${id}/approve`)).status).toBe(200);
    await until(async () => (await api(a).get(`/requests/${id}`)).body.status === 'completed', 60_000, 'access export');
    const detail = await api(a).get(`/requests/${id}`);
    expect(detail.body.identityDestroyed).toBe(true);
    const pkg = await api(a).get(`/requests/${id}/export`).buffer(true).parse(binaryBody);
    expect(pkg.status).toBe(200);
    const tar = (pkg.body as Buffer).toString('latin1');
    expect(tar).toContain('subject.json');
    expect(tar).toContain('crm/customers.csv');
    expect(tar).toContain(other.email.toLowerCase());
  }, 90_000);

  it('extends a GDPR deadline by two months once; LGPD has no extension', async () => {
    const token = await apiToken(t, 'compliance_officer');
    const mk = async (regulation: string) =>
      (
        await request(t.app)
          .post('/api/v1/requests')
          .set('authorization', `Bearer ${token}`)
          .send({ type: 'erasure', regulation, identity: { email: `${regulation}-ext@example.com` } })
      ).body;
    const g = await mk('gdpr');
    const ext = await request(t.app)
      .post(`/api/v1/requests/${g.id}/extend`)
      .set('authorization', `Bearer ${token}`)
      .send({ reason: 'Complex request spanning many systems' });
    expect(ext.status).toBe(200);
    expect(new Date(ext.body.dueAt).getTime() - new Date(g.dueAt).getTime()).toBeGreaterThan(58 * 86_400_000);
    const twice = await request(t.app)
      .post(`/api/v1/requests/${g.id}/extend`)
      .set('authorization', `Bearer ${token}`)
      .send({ reason: 'Once more please, it is complex' });
    expect(twice.status).toBe(409);
    const l = await mk('lgpd');
    const none = await request(t.app)
      .post(`/api/v1/requests/${l.id}/extend`)
      .set('authorization', `Bearer ${token}`)
      .send({ reason: 'Complex request spanning many systems' });
    expect(none.status).toBe(409);
  });

  it("two tokens created by one person are one pair of eyes: the second cannot approve the first one's request", async () => {
    const officer = await createUser(t, 'compliance_officer');
    const a = await apiToken(t, 'compliance_officer', `user:${officer.id}`);
    const b = await apiToken(t, 'compliance_officer', `user:${officer.id}`);
    const created = await request(t.app)
      .post('/api/v1/requests')
      .set('authorization', `Bearer ${a}`)
      .send({ type: 'erasure', regulation: 'gdpr', identity: { email: 'same-person@example.com' } });
    await request(t.app)
      .post(`/api/v1/requests/${created.body.id}/verify`)
      .set('authorization', `Bearer ${a}`)
      .send({ method: 'other', evidence: 'checked' });
    const res = await request(t.app)
      .post(`/api/v1/requests/${created.body.id}/approve`)
      .set('authorization', `Bearer ${b}`);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('Four-eyes');
    expect((await t.deps.db('requests').where({ id: created.body.id }).first()).status).toBe('identity_verified');
  });

  it('a request that needs attention can be retried by an officer and completes; the dry run is audited', async () => {
    const [other] = await sql<{ email: string }>(
      t.urls.crm,
      'SELECT email FROM customers ORDER BY id LIMIT 1 OFFSET 12',
    );
    const id = await submitted(alice, { email: other.email });
    const closing = await expectedClosing(t.urls, other.email);
    const preview = await bob.agent.get(`/requests/${id}/preview`);
    expect(preview.status).toBe(200);
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'request.preview', target: `request:${id}` })
        .first(),
    ).toBeTruthy();
    // As if a run had failed: the row says needs_attention with an error.
    await t.deps.db('requests').where({ id }).update({
      status: 'needs_attention',
      last_error: 'crm.orders: lock timeout',
      bundle_hash: t.deps.policies.hash(),
    });
    const page = await bob.agent.get(`/requests/${id}`);
    expect(page.text).toContain('data-testid="retry"');
    const retried = await bob.agent
      .post(`/requests/${id}/retry`)
      .type('form')
      .send({ _csrf: await bob.csrf() });
    expect(retried.status).toBe(303);
    await until(async () => (await status(id)) === closing, 60_000, 'completed after retry');
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'request.retry', target: `request:${id}` })
        .first(),
    ).toBeTruthy();
  }, 90_000);

  it('CCPA receipt is confirmed once, within its 10-business-day clock; other regimes have no separate confirmation', async () => {
    const token = await apiToken(t, 'compliance_officer');
    const api = (p: string, body: object = {}) =>
      request(t.app).post(`/api/v1${p}`).set('authorization', `Bearer ${token}`).send(body);
    const ccpa = (
      await api('/requests', { type: 'erasure', regulation: 'ccpa', identity: { email: 'ccpa-ack@example.com' } })
    ).body;
    const first = await api(`/requests/${ccpa.id}/acknowledge`);
    expect(first.status).toBe(200);
    expect(first.body.acknowledgedAt).toBeTruthy();
    expect((await api(`/requests/${ccpa.id}/acknowledge`)).status).toBe(409);
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'request.acknowledge', target: `request:${ccpa.id}` })
      .first();
    expect(entry.details.late).toBe(false);
    const gdpr = (
      await api('/requests', { type: 'erasure', regulation: 'gdpr', identity: { email: 'gdpr-ack@example.com' } })
    ).body;
    expect((await api(`/requests/${gdpr.id}/acknowledge`)).status).toBe(409);
    const page = await alice.agent.get(`/requests/${ccpa.id}`);
    expect(page.text).toContain('receipt confirmed');
  });

  it('GET /api/v1/openapi.json › documents every request endpoint', async () => {
    const doc = (await request(t.app).get('/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/requests',
        '/requests/{id}',
        '/requests/{id}/verify',
        '/requests/{id}/approve',
        '/requests/{id}/deny',
        '/requests/{id}/extend',
        '/requests/{id}/preview',
        '/requests/{id}/certificate.pdf',
        '/requests/{id}/export',
        '/requests/{id}/acknowledge',
        '/requests/{id}/retry',
      ]),
    );
  });
});

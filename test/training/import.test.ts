import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';

let t: TestApp;
let officer: SignedIn;
let steward: SignedIn;

beforeAll(async () => {
  t = await createTestApp();
  officer = await signIn(t, 'compliance_officer');
  steward = await signIn(t, 'data_steward');
}, 120_000);
afterAll(() => t?.close());

const CSV = [
  'identity_kind,identity_value,purpose,lawful_basis,event,occurred_at,source',
  'email,ann@example.com,model_training,,given,2026-10-01T09:00:00Z,cmp-export',
  'email,ann@example.com,model_training,,withdrawn,2026-11-01T09:00:00Z,',
  'customer_id,77,model_training,legitimate_interests,objected,2026-11-02T09:00:00Z,',
  'email,bob@example.com,analytics,,objected,2026-11-03T09:00:00Z,',
].join('\n');

const importCsv = async (who: SignedIn, content: string, filename = 'consents.csv') =>
  who.agent
    .post('/consent/import')
    .field('_csrf', await who.csrf())
    .attach('file', Buffer.from(content), { filename, contentType: 'text/csv' });

describe('consent import', () => {
  it('POST /consent/import › imports a CSV, hashes every identifier, and lists withdrawn and objecting subjects as do-not-train', async () => {
    const res = await importCsv(officer, CSV);
    expect(res.status).toBe(303);
    const rows = await t.deps.db('consent_events').orderBy('id').select();
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({
      purpose: 'model_training',
      lawful_basis: 'legitimate_interests',
      event: 'given',
      source: 'cmp-export',
      subject_index: t.deps.crypto.blindIndex('email:ann@example.com'),
    });
    expect(rows[1].source).toBe('csv:consents.csv');
    expect(JSON.stringify(rows)).not.toContain('ann@example.com');
    const list = await t.deps.db('do_not_train').select('subject_index', 'reason');
    expect(list).toEqual(
      expect.arrayContaining([
        { subject_index: t.deps.crypto.blindIndex('email:ann@example.com'), reason: 'withdrawn' },
        { subject_index: t.deps.crypto.blindIndex('customer_id:77'), reason: 'objected' },
      ]),
    );
    // An objection to analytics is not an objection to training.
    expect(list.find((r) => r.subject_index === t.deps.crypto.blindIndex('email:bob@example.com'))).toBeUndefined();
    const page = await officer.agent.get('/consent');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Do-not-train list: <strong>2<\/strong>/);
    expect(page.text).not.toContain('ann@example.com');
    const audit = await t.deps.db('audit_log').where({ action: 'consent.record' }).orderBy('seq', 'desc').first();
    expect(audit.details).toMatchObject({ source: 'csv:consents.csv', received: 4, recorded: 4, doNotTrainAdded: 2 });
    expect(JSON.stringify(audit)).not.toContain('ann@example.com');
  });

  it('POST /consent/import › imports nothing and names the line when one record is wrong', async () => {
    const before = await t.deps.db('consent_events').count<{ n: string }[]>({ n: '*' });
    const bad = CSV.replace('bob@example.com,analytics', 'bob@example.com,marketing');
    const res = await importCsv(officer, bad.replace('2026-10-01', '2026-10-05'));
    expect(res.status).toBe(422);
    expect(res.text).toContain('Nothing was imported');
    expect(res.text).toContain('line 5, purpose');
    expect(res.text).toContain('href="#file"');
    expect(await t.deps.db('consent_events').count<{ n: string }[]>({ n: '*' })).toEqual(before);
  });

  it('POST /consent › re-renders with field errors, never echoing the identifier', async () => {
    const res = await officer.agent
      .post('/consent')
      .type('form')
      .send({
        _csrf: await officer.csrf(),
        identity_kind: 'email',
        identity_value: 'carl@example.com',
        purpose: '',
        event: 'withdrawn',
        occurred_at: 'yesterday',
      });
    expect(res.status).toBe(422);
    expect(res.text).toContain('href="#purpose"');
    expect(res.text).toContain('Choose a purpose.');
    expect(res.text).toContain('href="#occurred_at"');
    expect(res.text).not.toContain('carl@example.com');
    const ok = await officer.agent
      .post('/consent')
      .type('form')
      .send({
        _csrf: await officer.csrf(),
        identity_kind: 'email',
        identity_value: 'carl@example.com',
        purpose: 'model_training',
        event: 'objected',
        occurred_at: '2026-11-20T10:00:00Z',
      });
    expect(ok.status).toBe(303);
    expect(
      await t.deps
        .db('do_not_train')
        .where({ subject_index: t.deps.crypto.blindIndex('email:carl@example.com') })
        .first(),
    ).toMatchObject({ reason: 'objected' });
  });

  it("POST /consent/lookup › shows one subject's history and list status without echoing the identifier", async () => {
    const res = await officer.agent
      .post('/consent/lookup')
      .type('form')
      .send({ _csrf: await officer.csrf(), lookup_kind: 'email', lookup_value: 'ANN@example.com' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('On the do-not-train list (withdrawn).');
    expect(res.text).toContain('2 event(s) for this email.');
    expect(res.text).toMatch(
      /withdrawn for <code>model_training<\/code> \(legitimate_interests\), source csv:consents.csv/,
    );
    expect(res.text.toLowerCase()).not.toContain('ann@example.com');
    const none = await officer.agent
      .post('/consent/lookup')
      .type('form')
      .send({ _csrf: await officer.csrf(), lookup_kind: 'email', lookup_value: 'nobody@example.com' });
    expect(none.text).toContain('Not on the do-not-train list. 0 event(s)');
  });

  it('a data steward may read training data but not write the consent ledger', async () => {
    const res = await steward.agent
      .post('/consent')
      .type('form')
      .send({
        _csrf: await steward.csrf(),
        identity_kind: 'email',
        identity_value: 'x@example.com',
        purpose: 'model_training',
        event: 'objected',
        occurred_at: '2026-11-20T10:00:00Z',
      });
    expect(res.status).toBe(403);
    expect((await steward.agent.get('/consent')).status).toBe(403);
    expect((await steward.agent.get('/training')).status).toBe(200);
  });

  it('POST /api/v1/consent/events › records events pushed by a consent platform; a bad one is refused with its field', async () => {
    const token = await apiToken(t, 'compliance_officer');
    const api = () => request(t.app).post('/api/v1/consent/events').set('authorization', `Bearer ${token}`);
    const bad = await api().send({
      events: [
        {
          identity_kind: 'email',
          identity_value: 'dee@example.com',
          purpose: 'model_training',
          event: 'given',
          occurred_at: 'not a date',
        },
      ],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('events[0].occurred_at');
    const body = {
      events: [
        {
          identity_kind: 'email',
          identity_value: 'dee@example.com',
          purpose: 'model_training',
          event: 'objected',
          occurred_at: '2026-11-21T10:00:00Z',
        },
      ],
    };
    const ok = await api().send(body);
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ recorded: 1, duplicates: 0, doNotTrainAdded: 1 });
    expect((await api().send(body)).body).toEqual({ recorded: 0, duplicates: 1, doNotTrainAdded: 0 });
    const stewardToken = await apiToken(t, 'data_steward');
    const refused = await request(t.app)
      .post('/api/v1/consent/events')
      .set('authorization', `Bearer ${stewardToken}`)
      .send(body);
    expect(refused.status).toBe(403);
  });
});

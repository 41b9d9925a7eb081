// Every way a request closes leaves no identity ciphertext behind: each path is walked with every
// encrypted identity field filled first (the worst state a request can be in), then checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { apiToken } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createDemoApp, expectedClosing, sql, type DemoApp } from './support';
import { carriedThrough, officers } from '../security/support';
import { createRequestService } from '../../server/requests/service';
import { ENCRYPTED_IDENTITY_FIELDS } from '../../server/requests/identity-fields';
import type { Principal } from '../../server/auth/principal';

let t: DemoApp;
let workers: RunningWorkers;
let pair: [Principal, Principal];
let emails: string[];

beforeAll(async () => {
  t = await createDemoApp();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  pair = await officers(t);
  emails = (await sql<{ email: string }>(t.urls.crm, 'SELECT email FROM customers ORDER BY id LIMIT 6')).map(
    (r) => r.email,
  );
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
});

/** No column and no step detail of the request holds a ciphertext (either format). */
async function assertNoIdentityCiphertext(id: string) {
  const row = await t.deps.db('requests').where({ id }).first();
  expect(['completed', 'part_held', 'denied']).toContain(row.status);
  for (const f of ENCRYPTED_IDENTITY_FIELDS) expect(row[f], f).toBeNull();
  const text = JSON.stringify(row) + JSON.stringify(await t.deps.db('request_steps').where({ request_id: id }));
  expect(text).not.toMatch(/"v[12]\.[^"]*\.[^"]*\./);
  for (const e of emails) expect(text).not.toContain(e);
}

/** Fills every encrypted identity field, as a request that went through preview and verification would. */
async function fillEveryField(id: string, email: string) {
  const patch = Object.fromEntries(
    ENCRYPTED_IDENTITY_FIELDS.map((f) => [f, t.deps.crypto.encrypt(JSON.stringify({ email, field: f }))]),
  );
  await t.deps.db('requests').where({ id }).update(patch);
}

describe('identity destroyed on every closing path', () => {
  it('the list of encrypted identity fields is every *_enc column of requests (a new one cannot be forgotten)', async () => {
    const cols = await t.deps
      .db('information_schema.columns')
      .where({ table_name: 'requests' })
      .andWhere('column_name', 'like', '%\\_enc')
      .pluck('column_name');
    expect([...cols].sort()).toEqual([...ENCRYPTED_IDENTITY_FIELDS].sort());
  });

  it('denied on receipt', async () => {
    const svc = createRequestService(t.deps);
    const row = await svc.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: emails[0] }, reference: 'D-1' },
      pair[0],
    );
    await fillEveryField(row.id, emails[0]);
    await svc.deny(row.id, 'Could not verify the requester', pair[1]);
    await assertNoIdentityCiphertext(row.id);
  });

  it('denied after verification and a dry-run preview (the discovered identity used to stay)', async () => {
    const svc = createRequestService(t.deps);
    const row = await svc.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: emails[1] }, reference: 'D-2' },
      pair[0],
    );
    await svc.verify(row.id, { method: 'email_link', evidence: 'Link clicked' }, pair[0]);
    await fillEveryField(row.id, emails[1]);
    await svc.deny(row.id, 'Manifestly unfounded request', pair[1]);
    await assertNoIdentityCiphertext(row.id);
    const page = await request(t.app)
      .get(`/api/v1/requests/${row.id}`)
      .set('authorization', `Bearer ${await apiToken(t, 'auditor')}`);
    expect(page.body.identityDestroyed).toBe(true);
  });

  it('erasure completed and verified clean', async () => {
    const closing = await expectedClosing(t.urls, emails[2]);
    const id = await carriedThrough(t, 'erasure', emails[2], pair);
    expect((await t.deps.db('requests').where({ id }).first()).status).toBe(closing);
    await assertNoIdentityCiphertext(id);
  }, 120_000);

  it('access request completed (package built)', async () => {
    const id = await carriedThrough(t, 'access', emails[3], pair);
    await assertNoIdentityCiphertext(id);
  }, 120_000);

  it('the database refuses a closed request that still holds identity ciphertext', async () => {
    const svc = createRequestService(t.deps);
    const row = await svc.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: emails[4] }, reference: 'D-3' },
      pair[0],
    );
    await expect(t.deps.db('requests').where({ id: row.id }).update({ status: 'denied' })).rejects.toThrow(
      /requests_closed_without_identity/,
    );
  });

  it('GET preview writes no state: the discovered identity is not kept', async () => {
    const svc = createRequestService(t.deps);
    const row = await svc.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: emails[5] }, reference: 'P-1' },
      pair[0],
    );
    await svc.verify(row.id, { method: 'email_link', evidence: 'Link clicked' }, pair[0]);
    const before = await t.deps.db('requests').where({ id: row.id }).first();
    const res = await request(t.app)
      .get(`/api/v1/requests/${row.id}/preview`)
      .set('authorization', `Bearer ${await apiToken(t, 'compliance_officer')}`);
    expect(res.status).toBe(200);
    const after = await t.deps.db('requests').where({ id: row.id }).first();
    expect(after.discovered_enc).toBeNull();
    expect(after).toEqual(before);
  });
});

describe('access packages', () => {
  it('an expired package is not downloadable although the cleanup has not run, and downloads are never cached', async () => {
    const id = await carriedThrough(
      t,
      'access',
      (await sql<{ email: string }>(t.urls.crm, 'SELECT email FROM customers ORDER BY id DESC LIMIT 1'))[0].email,
      pair,
    );
    const token = await apiToken(t, 'compliance_officer');
    const fresh = await request(t.app).get(`/api/v1/requests/${id}/export`).set('authorization', `Bearer ${token}`);
    expect(fresh.status).toBe(200);
    expect(fresh.headers['cache-control']).toBe('no-store');
    await t.deps
      .db('request_artefacts')
      .where({ request_id: id, kind: 'export' })
      .update({ created_at: new Date(Date.now() - 31 * 86_400_000) });
    const expired = await request(t.app).get(`/api/v1/requests/${id}/export`).set('authorization', `Bearer ${token}`);
    expect(expired.status).toBe(404);
    expect(expired.body.error.message).toContain('expired');
  }, 120_000);
});

// The public privacy center through HTTP: no session per visitor, the signed CSRF token, rate
// limits per address and per email, no enumeration, single-use expiring links, and the request,
// consent ledger and emails they lead to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestApp, createUser, csrfFrom, type TestApp, binaryBody } from '../support/app';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { userPrincipal } from '../../server/auth';
import { services } from '../../server/services';
import { destroyedIdentity } from '../../server/requests/identity-fields';
import { linkIn, mailTo, mailsTo, visitor } from './support';

let t: TestApp;
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
  t = await createTestApp({
    env: {
      SMTP_URL: smtp.url,
      TRUST_PROXY: '1',
      LETHE_COMPANY_NAME: 'Acme Test Ltd',
      LETHE_PRIVACY_CONTACT: 'dpo@acme.test',
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const erasure = (email: string) => ({ kind: 'erasure', region: 'eu', email });

/** Submits, then opens and confirms the mailed link; returns the status page's path. */
async function confirmed(values: { kind: string; region: string; email: string }) {
  const v = visitor(t.app);
  const before = mailsTo(smtp, values.email).filter((m) => /^Confirm your request/.test(m.subject)).length;
  expect((await v.submit(values)).status).toBe(303);
  const link = linkIn(await mailTo(smtp, values.email, /^Confirm your request/, before + 1), 'confirm');
  const page = await v.get(link);
  expect(page.status).toBe(200);
  const done = await v.post(link, { _csrf: csrfFrom(page.text) });
  expect(done.status).toBe(303);
  return { v, link, location: String(done.headers.location) };
}

describe('privacy center: the public pages', () => {
  it('GET /privacy-center shows the company from the configuration and sets no session cookie', async () => {
    const sessionsBefore = await t.deps.db('sessions').count<{ n: string }[]>({ n: '*' });
    const res = await visitor(t.app).get('/privacy-center');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Acme Test Ltd privacy center');
    expect(res.text).toContain('dpo@acme.test');
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookies.some((c) => c.startsWith('lethe.sid='))).toBe(false);
    expect(cookies.some((c) => c.startsWith('lethe.pc=') && /HttpOnly/i.test(c) && /SameSite=Strict/i.test(c))).toBe(
      true,
    );
    const sessionsAfter = await t.deps.db('sessions').count<{ n: string }[]>({ n: '*' });
    expect(sessionsAfter[0].n).toBe(sessionsBefore[0].n);
  });

  it('no public page of the flow sets a session cookie, from the form to the status page', async () => {
    const email = 'nosession@example.com';
    const v = visitor(t.app);
    const responses = [await v.get('/privacy-center')];
    responses.push(await v.post('/privacy-center', { _csrf: csrfFrom(responses[0].text), ...erasure(email) }));
    responses.push(await v.get('/privacy-center/sent'));
    const link = linkIn(await mailTo(smtp, email, /^Confirm/), 'confirm');
    responses.push(await v.get(link));
    responses.push(await v.post(link, { _csrf: csrfFrom(responses.at(-1)!.text) }));
    responses.push(await v.get(String(responses.at(-1)!.headers.location)));
    expect(responses.at(-1)!.status).toBe(200);
    for (const res of responses) {
      const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
      expect(cookies.filter((c) => c.startsWith('lethe.sid='))).toEqual([]);
    }
  });

  it('POST /privacy-center › refuses a form without the CSRF token, and one whose token does not match the cookie', async () => {
    const v = visitor(t.app);
    await v.get('/privacy-center');
    const missing = await v.post('/privacy-center', erasure('csrf@example.com'));
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('did not come from this site');
    const other = visitor(t.app);
    const otherPage = await other.get('/privacy-center');
    // A token from another visitor's page does not match this visitor's cookie.
    const forged = await v.post('/privacy-center', { _csrf: csrfFrom(otherPage.text), ...erasure('csrf@example.com') });
    expect(forged.status).toBe(403);
    // Without any cookie (a cross-site form post carries none with SameSite=Strict).
    const bare = await request(t.app)
      .post('/privacy-center')
      .set('x-forwarded-for', '198.51.100.250')
      .type('form')
      .send({ _csrf: csrfFrom(otherPage.text), ...erasure('csrf@example.com') });
    expect(bare.status).toBe(403);
    expect(mailsTo(smtp, 'csrf@example.com')).toEqual([]);
  });

  it('POST /privacy-center › re-renders with field errors and the input kept when the email is missing', async () => {
    const v = visitor(t.app);
    const page = await v.get('/privacy-center');
    const res = await v.post('/privacy-center', {
      _csrf: csrfFrom(page.text),
      kind: 'erasure',
      region: 'eu',
      email: 'not-an-email',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('data-testid="error-summary"');
    expect(res.text).toContain('href="#email"');
    expect(res.text).toContain('value="not-an-email"');
  });

  it('a 6th submission from one address within a minute is refused with the 429 page', async () => {
    const v = visitor(t.app);
    for (let i = 1; i <= 5; i++) expect((await v.submit(erasure(`burst${i}@example.com`))).status).toBe(303);
    const sixth = await v.submit(erasure('burst6@example.com'));
    expect(sixth.status).toBe(429);
    expect(sixth.text).toContain('data-testid="limited"');
    expect(mailsTo(smtp, 'burst6@example.com')).toEqual([]);
    // Another address is not held back.
    expect((await visitor(t.app).submit(erasure('burst6@example.com'))).status).toBe(303);
  });

  it('the answer is identical for an email Lethe knows and one it does not', async () => {
    const officer = await createUser(t, 'compliance_officer');
    await services(t.deps).requests.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: 'known@example.com' }, reference: '' },
      userPrincipal({ id: officer.id, role: officer.role, display_name: officer.display_name }),
    );
    const answers = [];
    for (const email of ['known@example.com', 'never-seen@example.com']) {
      const v = visitor(t.app);
      const res = await v.submit(erasure(email));
      const next = await v.get(String(res.headers.location));
      answers.push({ status: res.status, location: res.headers.location, page: next.status, body: next.text });
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0].location).toBe('/privacy-center/sent');
  });

  it('past the per-email limit the answer stays the same but no further email is sent', async () => {
    const email = 'often@example.com';
    for (let i = 0; i < 5; i++)
      expect((await visitor(t.app).submit(erasure(email))).headers.location).toBe('/privacy-center/sent');
    await mailTo(smtp, email, /^Confirm/, 5);
    const sixth = await visitor(t.app).submit(erasure(email));
    expect(sixth.status).toBe(303);
    expect(sixth.headers.location).toBe('/privacy-center/sent');
    await new Promise((r) => setTimeout(r, 300));
    expect(mailsTo(smtp, email)).toHaveLength(5);
  });
});

describe('privacy center: the confirmation link', () => {
  it('the link creates a verified request (email_link, by the privacy center), mails the acknowledgement and opens the status page', async () => {
    const email = 'ada@example.com';
    const { location } = await confirmed(erasure(email));
    expect(location).toMatch(/^\/privacy-center\/status\/[A-Za-z0-9_-]{40,}$/);
    const submission = await t.deps
      .db('privacy_center_submissions')
      .whereNotNull('request_id')
      .orderBy('created_at', 'desc')
      .first();
    const request = await t.deps.db('requests').where({ id: submission.request_id }).first();
    expect(request).toMatchObject({
      type: 'erasure',
      regulation: 'gdpr',
      status: 'identity_verified',
      verification_method: 'email_link',
      submitted_by: 'system:privacy-center',
      verified_by: 'system:privacy-center',
    });
    const evidence = t.deps.crypto.decrypt(request.verification_evidence_enc);
    expect(evidence).toMatch(/confirmed at \d{4}-\d\d-\d\dT/);
    expect(evidence).toMatch(/link SHA-256 [0-9a-f]{64}/);
    // Links and status pages are kept only as hashes; the address only encrypted.
    const token = location.split('/').pop()!;
    const raw = JSON.stringify(await t.deps.db('privacy_center_submissions').where({ id: submission.id }).first());
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(email);
    const contact = await t.deps.db('subject_contacts').where({ request_id: request.id }).first();
    expect(contact.contact_enc).not.toContain(email);
    expect(JSON.parse(t.deps.crypto.decrypt(contact.contact_enc))).toEqual({ email });

    const ack = await mailTo(smtp, email, /^We received your request/);
    expect(linkIn(ack, 'status')).toBe(location);
    expect(ack.text).toContain(request.due_at.toISOString().slice(0, 10));
    const status = await visitor(t.app).get(location);
    expect(status.status).toBe(200);
    expect(status.text).toContain('waiting for review');
    expect(status.text).toContain(request.due_at.toISOString().slice(0, 10));
    expect(status.headers['cache-control']).toBe('no-store');
    expect(status.text).toContain('<meta http-equiv="refresh" content="60">');
    const actions = await t.deps
      .db('audit_log')
      .where({ target: `request:${request.id}` })
      .pluck('action');
    expect(actions).toEqual(
      expect.arrayContaining(['request.create', 'request.verify', 'request.subject_acknowledged']),
    );
  });

  it('a used link is refused: opening it and confirming it again both answer 410', async () => {
    const { v, link } = await confirmed(erasure('twice@example.com'));
    const again = await v.get(link);
    expect(again.status).toBe(410);
    expect(again.text).toContain('used already');
    const page = await v.get('/privacy-center');
    const repost = await v.post(link, { _csrf: csrfFrom(page.text) });
    expect(repost.status).toBe(410);
    expect(
      await t.deps.db('privacy_center_submissions').whereNotNull('request_id').count<{ n: string }[]>({ n: '*' }),
    ).toBeDefined();
    const requests = await t.deps
      .db('audit_log')
      .where({ action: 'privacy_center.verify' })
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(requests[0].n)).toBeGreaterThan(0);
  });

  it('an expired link is refused and creates nothing', async () => {
    const email = 'late@example.com';
    const v = visitor(t.app);
    await v.submit(erasure(email));
    const link = linkIn(await mailTo(smtp, email, /^Confirm/), 'confirm');
    const page = await v.get(link);
    expect(page.status).toBe(200);
    await t.deps
      .db('privacy_center_submissions')
      .whereNull('verified_at')
      .update({ verify_expires_at: new Date(Date.now() - 1000) });
    expect((await v.get(link)).status).toBe(410);
    const before = await t.deps.db('requests').count<{ n: string }[]>({ n: '*' });
    expect((await v.post(link, { _csrf: csrfFrom(page.text) })).status).toBe(410);
    const after = await t.deps.db('requests').count<{ n: string }[]>({ n: '*' });
    expect(after[0].n).toBe(before[0].n);
  });

  it('a second request for the same address is marked a duplicate, as at officer intake', async () => {
    const email = 'dup@example.com';
    await confirmed(erasure(email));
    await confirmed(erasure(email));
    const fingerprint = t.deps.crypto.blindIndex('email:dup@example.com');
    const rows = await t.deps.db('requests').where({ identity_index: fingerprint }).orderBy('received_at');
    expect(rows).toHaveLength(2);
    expect(rows[1].duplicate_of).toBe(rows[0].id);
  });

  it('the region chooses the regulation, and "somewhere else" the company default', async () => {
    await confirmed({ kind: 'access', region: 'california', email: 'cal@example.com' });
    await confirmed({ kind: 'access', region: 'other', email: 'else@example.com' });
    const byEmail = async (email: string) =>
      t.deps
        .db('requests')
        .where({ identity_index: t.deps.crypto.blindIndex(`email:${email}`) })
        .first();
    const cal = await byEmail('cal@example.com');
    expect(cal.regulation).toBe('ccpa');
    // CCPA §7021(a): the acknowledgement email is the confirmation of receipt, recorded as such.
    expect(cal.acknowledged_at).not.toBeNull();
    expect(cal.acknowledged_by).toBe('system:privacy-center');
    // verification.yaml: a CCPA access request needs more than an email link (regs §7062), so it
    // waits for an officer; a GDPR access request is verified by the link.
    expect(cal.status).toBe('received');
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'privacy_center.needs_officer_verification', target: `request:${cal.id}` })
        .first(),
    ).toBeTruthy();
    const elsewhere = await byEmail('else@example.com');
    expect(elsewhere.regulation).toBe('gdpr');
    expect(elsewhere.status).toBe('identity_verified');
  });
});

describe('privacy center: answers to the subject', () => {
  it('a denial mails the reason and the right to complain and to a judicial remedy, then destroys the contact', async () => {
    const email = 'denied@example.com';
    const { location } = await confirmed(erasure(email));
    const request = await t.deps
      .db('requests')
      .where({ identity_index: t.deps.crypto.blindIndex(`email:${email}`) })
      .first();
    const officer = await createUser(t, 'compliance_officer');
    await services(t.deps).requests.deny(
      request.id,
      'We hold no account under this address.',
      userPrincipal({ id: officer.id, role: officer.role, display_name: officer.display_name }),
    );
    const mail = await mailTo(smtp, email, /declined/);
    expect(mail.text).toContain('We hold no account under this address.');
    expect(mail.text).toMatch(/complaint with a supervisory authority/);
    expect(mail.text).toMatch(/judicial remedy/);
    expect(mail.text).toContain('Art. 12(4)');
    const contact = await t.deps.db('subject_contacts').where({ request_id: request.id }).first();
    expect(contact.contact_enc).toBeNull();
    expect(contact.notice_kind).toBe('denied');
    const status = await visitor(t.app).get(location);
    expect(status.text).toContain('Declined');
    expect(status.text).toContain('We hold no account under this address.');
    // Sent once: the worker's sweep finds nothing more to send.
    const { sendDueSubjectNotices } = await import('../../server/requests');
    expect(await sendDueSubjectNotices(t.deps)).toBe(0);
    expect(mailsTo(smtp, email).filter((m) => /declined/.test(m.subject))).toHaveLength(1);
  });

  it('a completed access request offers its package on the status page, once', async () => {
    const email = 'copy@example.com';
    const { location } = await confirmed({ kind: 'access', region: 'eu', email });
    const request = await t.deps
      .db('requests')
      .where({ identity_index: t.deps.crypto.blindIndex(`email:${email}`) })
      .first();
    // Stand-in for the export job (tested with real systems in test/erasure/export.test.ts).
    await t.deps.db('request_artefacts').insert({
      request_id: request.id,
      kind: 'export',
      content_type: 'application/x-tar',
      filename: `access-${request.id}.tar`,
      bytes: t.deps.crypto.encryptBytes(Buffer.from('the package')),
      sha256: 'x'.repeat(64),
    });
    await t.deps
      .db('requests')
      .where({ id: request.id })
      .update({ status: 'completed', completed_at: new Date(), ...destroyedIdentity() });
    const v = visitor(t.app);
    const page = await v.get(location);
    expect(page.text).toContain('data-testid="download-package"');
    const download = await v.agent
      .post(`${location}/package`)
      .set('x-forwarded-for', v.ip)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .buffer(true)
      .parse(binaryBody);
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toContain('attachment');
    expect((download.body as Buffer).toString()).toBe('the package');
    const again = await v.post(`${location}/package`, { _csrf: csrfFrom(page.text) });
    expect(again.status).toBe(410);
    const after = await v.get(location);
    expect(after.text).not.toContain('data-testid="download-package"');
    expect(after.text).toContain('data-testid="package-taken"');
  });

  it('an objection to model training is recorded in the consent ledger, puts the subject on the do-not-train list and is confirmed by email', async () => {
    const email = 'objector@example.com';
    const { location } = await confirmed({ kind: 'objection', region: 'eu', email });
    expect(location).toBe('/privacy-center/recorded');
    const index = t.deps.crypto.blindIndex(`email:${email}`);
    const events = await t.deps.db('consent_events').where({ subject_index: index });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ purpose: 'model_training', event: 'objected', source: 'privacy_center' });
    expect(await t.deps.db('do_not_train').where({ subject_index: index, reason: 'objected' })).toHaveLength(1);
    const mail = await mailTo(smtp, email, /^Your choice is recorded/);
    expect(mail.text).toContain('Art. 21');
    const submission = await t.deps
      .db('privacy_center_submissions')
      .where({ email_index: t.deps.crypto.blindIndex(`email:${email}`) })
      .first();
    expect(submission.email_enc).toBeNull();
  });

  it('a withdrawal of consent is recorded as withdrawn for model training', async () => {
    const email = 'withdraw@example.com';
    await confirmed({ kind: 'withdrawal', region: 'eu', email });
    const index = t.deps.crypto.blindIndex(`email:${email}`);
    const events = await t.deps.db('consent_events').where({ subject_index: index });
    expect(events).toMatchObject([{ purpose: 'model_training', event: 'withdrawn', source: 'privacy_center' }]);
    expect(await t.deps.db('do_not_train').where({ subject_index: index, reason: 'withdrawn' })).toHaveLength(1);
    expect((await mailTo(smtp, email, /^Your choice is recorded/)).text).toContain('Art. 7(3)');
  });
});

// Last in the file: it moves every ciphertext in this database to a new key.
describe('privacy center: key rotation', () => {
  it('lethe keys rotate re-encrypts subject contacts and unconfirmed addresses under the new key', async () => {
    await visitor(t.app).submit(erasure('rotate-pending@example.com'));
    await confirmed(erasure('rotate-contact@example.com'));
    const { createCrypto } = await import('../../server/crypto');
    const { rotateKeys } = await import('../../server/keys/rotate');
    const oldKey = Buffer.from(t.env.LETHE_SECRET_KEY!, 'hex');
    const rotated = createCrypto((await import('node:crypto')).randomBytes(32), [oldKey]);
    const report = await rotateKeys({ ...t.deps, crypto: rotated }, 'system:test');
    expect(report.subjectContacts).toBeGreaterThanOrEqual(2);
    const contacts = await t.deps.db('subject_contacts').whereNotNull('contact_enc').pluck('contact_enc');
    const pending = await t.deps.db('privacy_center_submissions').whereNotNull('email_enc').pluck('email_enc');
    for (const c of [...contacts, ...pending]) expect(rotated.keyIdOf(c)).toBe(rotated.keyId);
    expect(pending.map((p: string) => rotated.decrypt(p))).toContain('rotate-pending@example.com');
  });
});

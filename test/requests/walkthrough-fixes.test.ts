// Issue 19 point 4: what a walk-through of the request pages found, one test per finding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { apiAs, apiToken, freshTotp, signIn, type SignedIn } from '../support/app';
import { createDemoApp, sql, type DemoApp } from './support';
import { destroyedIdentity } from '../../server/requests/identity-fields';
import { sha256Hex } from '../../server/crypto';

let t: DemoApp;
let alice: SignedIn;
let bob: SignedIn;
let auditor: SignedIn;
let customerEmail: string;

beforeAll(async () => {
  t = await createDemoApp();
  alice = await signIn(t, 'compliance_officer');
  bob = await signIn(t, 'compliance_officer');
  auditor = await signIn(t, 'auditor');
  [{ email: customerEmail }] = await sql<{ email: string }>(
    t.urls.crm,
    'SELECT email FROM customers ORDER BY id LIMIT 1',
  );
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const row = (id: string) => t.deps.db('requests').where({ id }).first();

async function submitted(by: SignedIn, fields: Record<string, string>): Promise<string> {
  const res = await by.agent
    .post('/requests')
    .type('form')
    .send({ _csrf: await by.csrf(), type: 'erasure', regulation: 'gdpr', ...fields });
  expect(res.status).toBe(303);
  return res.headers.location.split('/').pop()!;
}

async function verified(by: SignedIn, id: string) {
  const res = await by.agent
    .post(`/requests/${id}/verify`)
    .type('form')
    .send({ _csrf: await by.csrf(), method: 'email_link', evidence: 'Link clicked from the address on file' });
  expect(res.status).toBe(303);
}

/** Closes a request as the worker would have (identity destroyed), for the pages of closed requests. */
async function markCompleted(id: string) {
  await t.deps
    .db('requests')
    .where({ id })
    .update({
      status: 'completed',
      completed_at: new Date(),
      progress_done: 1,
      progress_total: 1,
      ...destroyedIdentity(),
    });
}

const mainOf = (html: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(html)![1];
const badgeOf = (html: string) => /data-testid="request-status"[^>]*>([^<]*)</.exec(html)![1];

describe('issue 19 walk-through fixes', () => {
  it('a. an access request’s page speaks of the access package and offers no dry run of an erasure', async () => {
    const id = await submitted(alice, { type: 'access', email: 'reader@example.com' });
    await verified(alice, id);
    const page = await bob.agent.get(`/requests/${id}`);
    const main = mainOf(page.text);
    expect(main).not.toMatch(/dry.run/i);
    expect(main).not.toMatch(/erasure|erased/i);
    expect(main).toContain('Approve and build the access package');
    const preview = await bob.agent.get(`/requests/${id}/preview`);
    expect(preview.status).toBe(409);
    expect(preview.text).toContain('access package');
    // The erasure page still has both.
    const erasure = await submitted(alice, { email: 'eraser@example.com' });
    await verified(alice, erasure);
    const erasurePage = mainOf((await bob.agent.get(`/requests/${erasure}`)).text);
    expect(erasurePage).toContain('dry-run preview');
    expect(erasurePage).toContain('Approve and run the erasure');
  });

  it('c. extending a CCPA request speaks of CCPA’s 45 more days, never of GDPR’s first month', async () => {
    const id = await submitted(alice, { regulation: 'ccpa', email: 'ccpa-extend@example.com' });
    const before = mainOf((await alice.agent.get(`/requests/${id}`)).text);
    expect(before).toContain('§7021(b)');
    expect(before).not.toContain('GDPR');
    const res = await alice.agent
      .post(`/requests/${id}/extend`)
      .type('form')
      .send({ _csrf: await alice.csrf(), reason: 'Records in the archive system need a manual search.' });
    expect(res.status).toBe(303);
    const after = (await alice.agent.get(`/requests/${id}`)).text;
    expect(after).toContain('45 more days');
    expect(after).toContain('§7021(b)');
    expect(after).not.toContain('first month');
    // A GDPR request keeps its own wording.
    const gdpr = await submitted(alice, { email: 'gdpr-extend@example.com' });
    const gdprPage = mainOf((await alice.agent.get(`/requests/${gdpr}`)).text);
    expect(gdprPage).toContain('Art. 12(3)');
    expect(gdprPage).not.toContain('CCPA');
  });

  it('d. a completed request shows when it closed instead of a stray badge, and a denied CCPA request no longer asks to confirm receipt', async () => {
    const done = await submitted(alice, { email: 'closed-badge@example.com' });
    await markCompleted(done);
    const due = /<dd data-testid="due">([\s\S]*?)<\/dd>/.exec((await alice.agent.get(`/requests/${done}`)).text);
    expect(due).not.toBeNull();
    expect(due![1]).not.toContain('class="status');
    expect(due![1]).toContain('closed');
    const listed = (await alice.agent.get('/requests?status=completed')).text
      .split('data-testid="request-row"')
      .find((r) => r.includes(done.slice(0, 8)))!;
    expect(listed).toContain('data-testid="countdown">closed<');
    expect(listed).not.toMatch(/class="status status-\w+" data-testid="countdown"/);

    const denied = await submitted(alice, { regulation: 'ccpa', email: 'ccpa-denied@example.com' });
    const deny = await bob.agent
      .post(`/requests/${denied}/deny`)
      .type('form')
      .send({ _csrf: await bob.csrf(), reason: 'The identity could not be verified.' });
    expect(deny.status).toBe(303);
    const page = (await alice.agent.get(`/requests/${denied}`)).text;
    expect(page).not.toContain('confirm receipt by');
    expect(page).not.toContain('data-testid="acknowledge-form"');
    expect(page).toContain('receipt not confirmed');
  });

  it('e. a request whose run is at 86% shows running and the progress in its badge, not approved', async () => {
    const id = await submitted(alice, { email: 'progress-badge@example.com' });
    await t.deps.db('requests').where({ id }).update({
      status: 'approved',
      progress_done: 6,
      progress_total: 7,
      progress_label: 'Erased crm.orders (6 of 6 tables)',
    });
    const page = (await alice.agent.get(`/requests/${id}`)).text;
    expect(badgeOf(page)).toBe('running · 86%');
    const progress = await alice.agent.get(`/requests/${id}/progress`);
    expect(progress.body.badge).toBe('running · 86%');
    const list = (await alice.agent.get('/requests?status=open')).text;
    expect(list).toContain('running · 86%');
    await t.deps.db('requests').where({ id }).update({ status: 'running' });
    expect(badgeOf((await alice.agent.get(`/requests/${id}`)).text)).toBe('running · 86%');
  });

  it('f. a subject with no data found: the dry run says so (audited), Approve is not offered, and a second officer closes it with a no-data notice', async () => {
    const id = await submitted(alice, { email: 'nobody-here@nowhere.example' });
    await verified(alice, id);
    const preview = await bob.agent.get(`/requests/${id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('data-testid="no-data"');
    expect(preview.text).toContain('No data found');
    const audited = await t.deps
      .db('audit_log')
      .where({ action: 'request.preview', target: `request:${id}` })
      .orderBy('seq', 'desc')
      .first();
    expect(audited.details.noData).toBe(true);
    expect(audited.details.rowsMatched).toBe(0);

    const page = (await bob.agent.get(`/requests/${id}`)).text;
    expect(page).not.toContain('data-testid="approve-form"');
    expect(page).toContain('data-testid="no-data-form"');
    // Approving an erasure of nothing is refused too (the form is gone; a hand-made POST or the API).
    const approve = await bob.agent
      .post(`/requests/${id}/approve`)
      .type('form')
      .send({ _csrf: await bob.csrf(), code: await freshTotp(t, bob.userId) });
    expect(approve.status).toBe(409);
    expect(approve.text).toContain('no data');
    expect((await row(id)).status).toBe('identity_verified');
    // The submitter cannot close it alone (four-eyes, like any decision).
    const own = await alice.agent
      .post(`/requests/${id}/close-no-data`)
      .type('form')
      .send({ _csrf: await alice.csrf() });
    expect(own.status).toBe(403);
    const close = await bob.agent
      .post(`/requests/${id}/close-no-data`)
      .type('form')
      .send({ _csrf: await bob.csrf() });
    expect(close.status).toBe(303);
    const closed = await row(id);
    expect(closed.status).toBe('no_data');
    expect(closed.identity_enc).toBeNull();
    expect(closed.completed_at).not.toBeNull();
    expect(closed.outcome.notice).toContain('no personal data');
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'request.close_no_data', target: `request:${id}` })
      .first();
    expect(entry.actor).toBe(`user:${bob.userId}`);
    const after = (await bob.agent.get(`/requests/${id}`)).text;
    expect(badgeOf(after)).toBe('closed — no data found');
    expect(after).toContain('data-testid="no-data-notice"');
    expect(after).not.toContain('data-testid="certificate-link"');
    expect(await t.deps.db('request_artefacts').where({ request_id: id })).toHaveLength(0);
  });

  it('f. the API closes a request as no data found too, after a second token’s dry run found nothing', async () => {
    const [first, second] = [
      apiAs(t.app, await apiToken(t, 'compliance_officer')),
      apiAs(t.app, await apiToken(t, 'compliance_officer')),
    ];
    const created = await first.post('/requests', {
      type: 'erasure',
      regulation: 'gdpr',
      identity: { email: 'nobody-api@nowhere.example' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(
      (await first.post(`/requests/${id}/verify`, { method: 'email_link', evidence: 'Link clicked' })).status,
    ).toBe(200);
    expect((await second.get(`/requests/${id}/preview`)).status).toBe(200);
    expect((await second.post(`/requests/${id}/approve`)).status).toBe(409);
    const closed = await second.post(`/requests/${id}/close-no-data`);
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('no_data');
  });

  it('f. a request whose subject has data cannot be closed as no data', async () => {
    const id = await submitted(alice, { email: customerEmail });
    await verified(alice, id);
    const page = (await bob.agent.get(`/requests/${id}`)).text;
    expect(page).toContain('data-testid="approve-form"');
    expect(page).not.toContain('data-testid="no-data-form"');
    const close = await bob.agent
      .post(`/requests/${id}/close-no-data`)
      .type('form')
      .send({ _csrf: await bob.csrf() });
    expect(close.status).toBe(409);
    expect((await row(id)).status).toBe('identity_verified');
  });

  it('g. a model flagged for retraining is marked retrained with evidence (audited), which clears the dashboard item', async () => {
    const id = await submitted(alice, { email: 'retrain@example.com' });
    await markCompleted(id);
    const [flag] = await t.deps
      .db('ai_artefact_flags')
      .insert({
        kind: 'model_retraining_required',
        artefact: 'churn-model-walkthrough',
        request_id: id,
        due_at: new Date(Date.now() + 30 * 86_400_000),
      })
      .returning('*');
    expect((await alice.agent.get('/')).text).toContain('Retrain churn-model-walkthrough');

    const empty = await alice.agent
      .post(`/requests/${id}/artefact-flags/${flag.id}/retrained`)
      .type('form')
      .send({ _csrf: await alice.csrf(), evidence: '' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('href="#evidence-');
    expect((await t.deps.db('ai_artefact_flags').where({ id: flag.id }).first()).resolved_at).toBeNull();

    const evidence = 'Retrained as v8 on snapshot 2026-12-01 without the subject (MLflow run 4411).';
    const res = await alice.agent
      .post(`/requests/${id}/artefact-flags/${flag.id}/retrained`)
      .type('form')
      .send({ _csrf: await alice.csrf(), evidence });
    expect(res.status).toBe(303);
    const resolved = await t.deps.db('ai_artefact_flags').where({ id: flag.id }).first();
    expect(resolved.resolved_at).not.toBeNull();
    expect(resolved.resolution).toBe('retrained');
    expect(resolved.evidence).toBe(evidence);
    expect(resolved.resolved_by).toBe(`user:${alice.userId}`);
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'ai.model_retrained', target: 'artefact:churn-model-walkthrough' })
      .first();
    expect(entry.actor).toBe(`user:${alice.userId}`);
    expect(entry.details.requestId).toBe(id);
    expect((await alice.agent.get('/')).text).not.toContain('Retrain churn-model-walkthrough');
    expect((await alice.agent.get(`/requests/${id}`)).text).toContain('retrained');
    // Once only.
    const again = await alice.agent
      .post(`/requests/${id}/artefact-flags/${flag.id}/retrained`)
      .type('form')
      .send({ _csrf: await alice.csrf(), evidence });
    expect(again.status).toBe(409);
    // An auditor reads, never resolves.
    const byAuditor = await auditor.agent
      .post(`/requests/${id}/artefact-flags/${flag.id}/retrained`)
      .type('form')
      .send({ _csrf: await auditor.csrf(), evidence });
    expect(byAuditor.status).toBe(403);
  });

  it('h. an auditor downloads a certificate (it carries only the HMAC fingerprint), and the download is audited', async () => {
    const id = await submitted(alice, { email: 'certified@example.com' });
    await markCompleted(id);
    const bytes = Buffer.from('%PDF-1.7\n% certificate for the walk-through test\n%%EOF\n');
    await t.deps.db('request_artefacts').insert({
      request_id: id,
      kind: 'certificate',
      content_type: 'application/pdf',
      filename: `certificate-${id}.pdf`,
      bytes,
      sha256: sha256Hex(bytes),
    });
    const page = (await auditor.agent.get(`/requests/${id}`)).text;
    expect(page).toContain('data-testid="certificate-link"');
    const cert = await auditor.agent.get(`/requests/${id}/certificate.pdf`);
    expect(cert.status).toBe(200);
    expect(cert.headers['content-type']).toBe('application/pdf');
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'request.certificate.download', target: `request:${id}` })
      .first();
    expect(entry.actor).toBe(`user:${auditor.userId}`);
    // Still no access package: that is the subject's data.
    expect((await auditor.agent.get(`/requests/${id}/export`)).status).toBe(403);
  });

  it('i. the audit log filters by a person’s name or email, exports names, and shows actions in words', async () => {
    await t.deps.db('users').where({ id: alice.userId }).update({ display_name: 'Alice Walkthrough' });
    const byEmail = (await auditor.agent.get(`/audit-log?actor=${encodeURIComponent(alice.email)}`)).text;
    expect(byEmail).toContain('data-testid="audit-table"');
    expect(byEmail).toContain(encodeURIComponent(`user:${alice.userId}`));
    expect(byEmail).not.toContain(encodeURIComponent(`user:${bob.userId}`));
    const byName = (await auditor.agent.get('/audit-log?actor=alice+walkthrough')).text;
    expect(byName).toContain(encodeURIComponent(`user:${alice.userId}`));
    expect(byName).not.toContain(encodeURIComponent(`user:${bob.userId}`));
    // Ids still work.
    const byId = (await auditor.agent.get(`/audit-log?actor=${encodeURIComponent(`user:${bob.userId}`)}`)).text;
    expect(byId).toContain(encodeURIComponent(`user:${bob.userId}`));
    expect(byId).not.toContain(encodeURIComponent(`user:${alice.userId}`));
    // Someone unknown matches nothing rather than everything.
    expect((await auditor.agent.get('/audit-log?actor=nobody+at+all')).text).toContain('data-testid="empty-state"');

    const csv = await auditor.agent.get(`/audit-log.csv?actor=${encodeURIComponent(alice.email)}`);
    expect(csv.status).toBe(200);
    const [header, first] = csv.text.split('\n');
    expect(header.split(',').slice(0, 4)).toEqual(['seq', 'at', 'actor', 'actor_name']);
    expect(first).toContain('Alice Walkthrough');

    // Actions in words, from one map, on the audit log and on a request's timeline.
    expect(byEmail).toContain('Request recorded');
    const id = await submitted(alice, { email: 'timeline@example.com' });
    const timeline = /<ol class="timeline" data-testid="timeline">([\s\S]*?)<\/ol>/.exec(
      (await alice.agent.get(`/requests/${id}`)).text,
    )![1];
    expect(timeline).toContain('Request recorded');
    expect(timeline).not.toContain('request.create');
  });

  it('i. the audit log’s details column keeps words whole instead of breaking every few characters', async () => {
    const page = (await auditor.agent.get('/audit-log')).text;
    expect(page).toContain('<code class="audit-details">');
    const css = (await request(t.app).get('/static/app.css')).text;
    const rule = /\.audit-details\s*\{([^}]*)\}/.exec(css);
    expect(rule).not.toBeNull();
    expect(rule![1]).toMatch(/word-break:\s*normal/);
    expect(rule![1]).toMatch(/min-width:\s*\d/);
  });
});

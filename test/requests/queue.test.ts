// The officer queue (issue 19): search (the subject's email through the blind index only),
// filters, sort and pages on /requests; assignment (one and in bulk) and internal notes, each
// audited; the assignee's email; "mine" on the dashboard; notes never in a certificate or package.
// Tests that sign more people in (argon2 and MFA enrolment) have an explicit time budget.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTotp, signIn, type SignedIn, binaryBody } from '../support/app';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createDemoApp, sql, until, type DemoApp } from './support';

let t: DemoApp;
let smtp: TestSmtp;
let workers: RunningWorkers;
let carol: SignedIn;
let dave: SignedIn;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await createDemoApp({ customers: 12, env: { SMTP_URL: smtp.url } });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  carol = await signIn(t, 'compliance_officer');
  dave = await signIn(t, 'compliance_officer');
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
  await smtp?.close();
});

async function submitted(by: SignedIn, fields: Record<string, string>, type = 'erasure'): Promise<string> {
  const res = await by.agent
    .post('/requests')
    .type('form')
    .send({ _csrf: await by.csrf(), type, regulation: 'gdpr', ...fields });
  expect(res.status).toBe(303);
  return res.headers.location.split('/').pop()!;
}

/** The ids of the rows a /requests page lists, in order. */
async function listed(by: SignedIn, query: Record<string, string>): Promise<string[]> {
  const res = await by.agent.get('/requests').query(query);
  expect(res.status).toBe(200);
  return [...res.text.matchAll(/data-testid="request-row" data-request-id="([0-9a-f-]{36})"/g)].map((m) => m[1]);
}

/** Requests written straight into the table (the filters' fixtures), for one assignee. */
async function inserted(rows: { assignee?: string; status?: string; dueInDays: number; receivedDaysAgo?: number }[]) {
  const now = Date.now();
  const ids: string[] = [];
  for (const r of rows) {
    const [row] = await t.deps
      .db('requests')
      .insert({
        type: 'erasure',
        regulation: 'gdpr',
        status: r.status ?? 'received',
        identity_index: crypto.randomBytes(32).toString('hex'),
        submitted_by: 'system:test',
        received_at: new Date(now - (r.receivedDaysAgo ?? 1) * 86_400_000),
        due_at: new Date(now + r.dueInDays * 86_400_000),
        assignee_id: r.assignee ?? null,
      })
      .returning('id');
    ids.push(row.id);
  }
  return ids;
}

const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8');

describe('GET /requests › search', () => {
  it("finds a request by the subject's exact email through the blind index only, never by a part of it or by text that spells it", async () => {
    const alice = await submitted(carol, { email: 'queue-alice@example.com', reference: 'Q-ALICE' });
    // Another request whose reference spells Alice's address: a text comparison would find it.
    const lookalike = await submitted(carol, { email: 'queue-bob@example.com', reference: 'queue-alice@example.com' });
    const row = await t.deps.db('requests').where({ id: alice }).first();
    expect(row.identity_enc).not.toContain('queue-alice');

    const queries: unknown[] = [];
    const record = (q: { sql: string; bindings?: unknown[] }) => queries.push(q.sql, ...(q.bindings ?? []));
    t.deps.db.on('query', record);
    const found = await listed(dave, { q: '  Queue-Alice@Example.COM ', status: 'all' });
    t.deps.db.off('query', record);
    expect(found).toEqual([alice]);
    expect(found).not.toContain(lookalike);
    // The database was only ever asked for the keyed index, never the address.
    expect(JSON.stringify(queries).toLowerCase()).not.toContain('queue-alice');
    expect(JSON.stringify(queries)).toContain(t.deps.crypto.blindIndex('email:queue-alice@example.com'));

    expect(await listed(dave, { q: 'queue-alice@example', status: 'all' })).toEqual([]);
    expect(await listed(dave, { q: 'queue-alice', status: 'all' })).toEqual([]);
    expect(await listed(dave, { q: 'alice@example.com', status: 'all' })).toEqual([]);

    // Denied, the identity is destroyed: the index alone still finds the request.
    const deny = await dave.agent
      .post(`/requests/${alice}/deny`)
      .type('form')
      .send({ _csrf: await dave.csrf(), reason: 'Identity could not be verified' });
    expect(deny.status).toBe(303);
    expect((await t.deps.db('requests').where({ id: alice }).first()).identity_enc).toBeNull();
    expect(await listed(dave, { q: 'queue-alice@example.com', status: 'all' })).toEqual([alice]);
    // Closed requests are outside the default (open) queue; "All" shows them.
    expect(await listed(dave, { q: 'queue-alice@example.com' })).toEqual([]);
  });

  it('finds a request by its whole id, by its first digits and by its reference in any case, and keeps the search in the form', async () => {
    const id = await submitted(carol, { email: 'queue-ref@example.com', reference: 'TCK-Queue-77' });
    expect(await listed(dave, { q: id })).toEqual([id]);
    expect(await listed(dave, { q: id.slice(0, 8) })).toContain(id);
    expect(await listed(dave, { q: id.slice(0, 8).toUpperCase() })).toContain(id);
    expect(await listed(dave, { q: 'tck-queue-77' })).toEqual([id]);
    expect(await listed(dave, { q: 'TCK-Queue' })).toEqual([]);
    const page = await dave.agent.get('/requests').query({ q: 'TCK-Queue-77' });
    expect(page.text).toContain('value="TCK-Queue-77"');
  });

  it('re-renders with an error summary for a filter value it does not know', async () => {
    const res = await dave.agent.get('/requests').query({ urgency: 'someday', status: 'closed-ish' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('data-testid="error-summary"');
    expect(res.text).toContain('href="#urgency"');
    expect(res.text).toContain('href="#status"');
  });
});

describe('GET /requests › filters, sort and pages', () => {
  it('filters by assignee (mine, unassigned, a user), urgency and status "All"', async () => {
    const erin = await signIn(t, 'compliance_officer');
    const [overdue, atRisk, later, closedLate] = await inserted([
      { assignee: erin.userId, dueInDays: -2 },
      { assignee: erin.userId, dueInDays: 3 },
      { assignee: erin.userId, dueInDays: 20 },
      { assignee: erin.userId, dueInDays: -5, status: 'completed' },
    ]);
    const [unassigned] = await inserted([{ dueInDays: 10 }]);

    expect(new Set(await listed(erin, { assignee: 'mine' }))).toEqual(new Set([overdue, atRisk, later]));
    expect(new Set(await listed(erin, { assignee: 'mine', status: 'all' }))).toEqual(
      new Set([overdue, atRisk, later, closedLate]),
    );
    expect(new Set(await listed(dave, { assignee: erin.userId, status: 'all' }))).toEqual(
      new Set([overdue, atRisk, later, closedLate]),
    );
    // "mine" is the signed-in officer's own queue: empty for dave.
    expect(await listed(dave, { assignee: 'mine', status: 'all' })).not.toContain(overdue);
    expect(await listed(erin, { assignee: 'mine', urgency: 'overdue', status: 'all' })).toEqual([overdue]);
    expect(await listed(erin, { assignee: 'mine', urgency: 'at_risk' })).toEqual([atRisk]);
    const none = await listed(dave, { assignee: 'none', status: 'all' });
    expect(none).toContain(unassigned);
    expect(none).not.toContain(overdue);
    const page = await erin.agent.get('/requests').query({ assignee: 'mine' });
    expect(page.text).toContain('Test compliance_officer (you)');
  }, 90_000);

  it('sorts by due or received date either way and pages 25 at a time with the pager', async () => {
    const frank = await signIn(t, 'compliance_officer');
    const ids = await inserted(
      Array.from({ length: 30 }, (_, i) => ({ assignee: frank.userId, dueInDays: 40 - i, receivedDaysAgo: i + 1 })),
    );
    const first = await listed(frank, { assignee: 'mine', sort: 'due', dir: 'asc' });
    expect(first).toHaveLength(25);
    expect(first[0]).toBe(ids[29]); // due soonest
    const second = await listed(frank, { assignee: 'mine', sort: 'due', dir: 'asc', page: '2' });
    expect(second).toEqual([ids[4], ids[3], ids[2], ids[1], ids[0]]);
    const page = await frank.agent.get('/requests').query({ assignee: 'mine' });
    expect(page.text).toContain('Page 1 of 2 (30 in all)');
    // The pager keeps the filter.
    expect(page.text).toMatch(/href="\?[^"]*assignee=mine[^"]*page=2"/);
    expect((await listed(frank, { assignee: 'mine', sort: 'received', dir: 'desc' }))[0]).toBe(ids[0]);
    expect((await listed(frank, { assignee: 'mine', sort: 'due', dir: 'desc' }))[0]).toBe(ids[0]);
  }, 90_000);
});

describe('assignment and notes', () => {
  it("assigning a request is audited and emails the assignee a link without the subject's data; their dashboard lists it as theirs", async () => {
    const id = await submitted(carol, { email: 'queue-assign@example.com', reference: 'Q-ASSIGN' });
    const res = await carol.agent
      .post(`/requests/${id}/assign`)
      .type('form')
      .send({ _csrf: await carol.csrf(), assignee: dave.userId });
    expect(res.status).toBe(303);
    expect((await t.deps.db('requests').where({ id }).first()).assignee_id).toBe(dave.userId);
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'request.assign', target: `request:${id}` })
      .first();
    expect(entry.actor).toBe(`user:${carol.userId}`);
    expect(entry.details).toMatchObject({ assignee: `user:${dave.userId}`, previous: null });

    const mail = await smtp.waitFor(dave.email);
    expect(mail.subject).toContain(id.slice(0, 8));
    expect(mail.text).toContain(`/requests/${id}`);
    expect(mail.text).toContain('Q-ASSIGN');
    expect(mail.raw).not.toContain('queue-assign');

    const dashboard = (await dave.agent.get('/')).text;
    expect(dashboard).toContain('Assigned to me');
    expect(dashboard).toContain(`/requests/${id}`);
    expect((await carol.agent.get('/')).text).not.toContain(`${id.slice(0, 8)} · erasure`);
    expect((await dave.agent.get(`/requests/${id}`)).text).toMatch(/data-testid="assignee">Test compliance_officer</);

    // Unassigning is audited too; nobody is emailed.
    const before = smtp.messages.length;
    const none = await carol.agent
      .post(`/requests/${id}/assign`)
      .type('form')
      .send({ _csrf: await carol.csrf(), assignee: 'none' });
    expect(none.status).toBe(303);
    const entries = await t.deps.db('audit_log').where({ action: 'request.assign', target: `request:${id}` });
    expect(entries.map((e) => e.details.assignee)).toEqual([`user:${dave.userId}`, null]);
    expect(smtp.messages.length).toBe(before);
  }, 90_000);

  it('refuses an assignee who may not work on requests, without CSRF, and to an auditor', async () => {
    const id = await submitted(carol, { email: 'queue-refuse@example.com' });
    const auditor = await signIn(t, 'auditor');
    const bad = await carol.agent
      .post(`/requests/${id}/assign`)
      .type('form')
      .send({ _csrf: await carol.csrf(), assignee: auditor.userId });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('href="#assign-to"');
    expect(bad.text).toContain('Choose an active officer');
    const noCsrf = await carol.agent.post(`/requests/${id}/assign`).type('form').send({ assignee: dave.userId });
    expect(noCsrf.status).toBe(403);
    const denied = await auditor.agent
      .post(`/requests/${id}/assign`)
      .type('form')
      .send({ _csrf: await auditor.csrf(), assignee: dave.userId });
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('request:assign');
    expect((await t.deps.db('requests').where({ id }).first()).assignee_id).toBeNull();
    expect(await t.deps.db('audit_log').where({ action: 'request.assign', target: `request:${id}` })).toHaveLength(0);
  }, 90_000);

  it('notes are shown on the request page and audited without their text; an empty note re-renders with its error', async () => {
    const id = await submitted(carol, { email: 'queue-note@example.com' });
    const empty = await carol.agent
      .post(`/requests/${id}/notes`)
      .type('form')
      .send({ _csrf: await carol.csrf(), body: '   ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('href="#note-body"');
    const ok = await carol.agent
      .post(`/requests/${id}/notes`)
      .type('form')
      .send({ _csrf: await carol.csrf(), body: 'Called the <b>ticketing</b> desk about it' });
    expect(ok.status).toBe(303);
    const page = (await dave.agent.get(`/requests/${id}`)).text;
    expect(page).toContain('Called the &lt;b&gt;ticketing&lt;/b&gt; desk about it');
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'request.note', target: `request:${id}` })
      .first();
    expect(entry.actor).toBe(`user:${carol.userId}`);
    expect(entry.details.length).toBe('Called the <b>ticketing</b> desk about it'.length);
    expect(JSON.stringify(entry.details)).not.toContain('ticketing');
    const auditor = await signIn(t, 'auditor');
    expect(
      (
        await auditor.agent
          .post(`/requests/${id}/notes`)
          .type('form')
          .send({ _csrf: await auditor.csrf(), body: 'not mine to write' })
      ).status,
    ).toBe(403);
  }, 90_000);

  it('bulk assign: the ticked requests are assigned in one form, one audit entry each, one email; no choice re-renders with the ticks kept', async () => {
    const gina = await signIn(t, 'compliance_officer');
    const ids = [
      await submitted(carol, { email: 'queue-bulk1@example.com' }),
      await submitted(carol, { email: 'queue-bulk2@example.com' }),
      await submitted(carol, { email: 'queue-bulk3@example.com' }),
    ];
    const missing = await carol.agent
      .post('/requests/assign?assignee=none&sort=due&dir=desc')
      .type('form')
      .send({ _csrf: await carol.csrf(), ids: ids.slice(0, 2), assignee: '' });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('href="#bulk-assignee"');
    expect(missing.text).toMatch(new RegExp(`value="${ids[0]}" id="pick-${ids[0]}" checked`));
    const noneTicked = await carol.agent
      .post('/requests/assign')
      .type('form')
      .send({ _csrf: await carol.csrf(), assignee: gina.userId });
    expect(noneTicked.status).toBe(422);
    expect(noneTicked.text).toContain('Tick at least one request');

    const res = await carol.agent
      .post('/requests/assign?status=open&sort=due')
      .type('form')
      .send({ _csrf: await carol.csrf(), ids, assignee: gina.userId });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/requests?status=open&sort=due');
    const rows = await t.deps.db('requests').whereIn('id', ids).pluck('assignee_id');
    expect(rows).toEqual([gina.userId, gina.userId, gina.userId]);
    const entries = await t.deps
      .db('audit_log')
      .where({ action: 'request.assign' })
      .whereIn(
        'target',
        ids.map((id) => `request:${id}`),
      );
    expect(entries).toHaveLength(3);
    expect(entries.every((e) => e.details.bulk === true && e.details.assignee === `user:${gina.userId}`)).toBe(true);
    const mail = await smtp.waitFor(gina.email);
    expect(mail.subject).toContain('3 requests');
    for (const id of ids) expect(mail.text).toContain(`/requests/${id}`);
    expect(mail.raw).not.toContain('queue-bulk');
    expect(smtp.messages.filter((m) => m.to.includes(gina.email))).toHaveLength(1);
    expect(new Set(await listed(gina, { assignee: 'mine' }))).toEqual(new Set(ids));
    const noCsrf = await carol.agent.post('/requests/assign').type('form').send({ ids, assignee: dave.userId });
    expect(noCsrf.status).toBe(403);
  }, 90_000);

  it('notes appear neither in the certificate of erasure nor in the access package', async () => {
    const [erased, exported] = await sql<{ email: string }>(
      t.urls.crm,
      'SELECT email FROM customers ORDER BY id LIMIT 2',
    );
    const marker = 'NOTE-MARKER-7Q3 called back on Tuesday';
    const run = async (email: string, type: string) => {
      const id = await submitted(carol, { email }, type);
      const note = await carol.agent
        .post(`/requests/${id}/notes`)
        .type('form')
        .send({ _csrf: await carol.csrf(), body: marker });
      expect(note.status).toBe(303);
      const verify = await carol.agent
        .post(`/requests/${id}/verify`)
        .type('form')
        .send({ _csrf: await carol.csrf(), method: 'email_link', evidence: 'Link clicked from the address on file' });
      expect(verify.status).toBe(303);
      const approve = await dave.agent
        .post(`/requests/${id}/approve`)
        .type('form')
        .send({ _csrf: await dave.csrf(), code: await freshTotp(t, dave.userId) });
      expect(approve.status).toBe(303);
      await until(
        async () =>
          ['completed', 'part_held', 'needs_attention'].includes(
            (await t.deps.db('requests').where({ id }).first()).status,
          ),
        60_000,
        type,
      );
      return id;
    };
    const erasure = await run(erased.email, 'erasure');
    const cert = await dave.agent.get(`/requests/${erasure}/certificate.pdf`).buffer(true).parse(binaryBody);
    expect(cert.status).toBe(200);
    const text = pdfText(cert.body as Buffer);
    expect(text).toContain(erasure);
    expect(text).not.toContain('NOTE-MARKER');
    // The note is still on the page for the officers.
    expect((await dave.agent.get(`/requests/${erasure}`)).text).toContain(marker);

    const access = await run(exported.email, 'access');
    const pkg = await dave.agent.get(`/requests/${access}/export`).buffer(true).parse(binaryBody);
    expect(pkg.status).toBe(200);
    const bytes = pkg.body as Buffer;
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.toString('latin1')).toContain('subject.json');
    expect(bytes.toString('latin1')).not.toContain('NOTE-MARKER');
  }, 150_000);
});

// Legal holds honoured everywhere (issue 9): an erasure keeps the rows a hold covers (a dataset, a
// category, a subject), says so in the preview and the certificate, closes "completed — part held"
// with only the held rows' keys, and a follow-up erases exactly those rows once the hold is lifted
// (bundle reload) or expires, with a supplementary certificate linked to the first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { POLICIES_DIR, signIn, type SignedIn } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { reconcileOnce } from '../../jobs/reconciler';
import { createRequestService } from '../../server/requests/service';
import type { Principal } from '../../server/auth/principal';
import { createDemoApp, sql, until, type DemoApp } from './support';

let t: DemoApp;
let dir: string;
let workers: RunningWorkers;
let officerSession: SignedIn;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-legal-holds-'));
  fs.cpSync(POLICIES_DIR, dir, { recursive: true });
  t = await createDemoApp({ policiesDir: dir });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  officerSession = await signIn(t, 'compliance_officer');
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const officer = (n: number): Principal => ({
  kind: 'user',
  id: `user:legal-hold-${n}`,
  role: 'compliance_officer',
  name: `Officer ${n}`,
});
const retention = () => path.join(dir, 'retention.yaml');
const TICKET_HOLD = /  # Litigation: a customer disputes[\s\S]*?(?=  # A regulator's inquiry)/;

async function reload(edit: (yaml: string) => string) {
  fs.writeFileSync(retention(), edit(fs.readFileSync(retention(), 'utf8')));
  const result = await t.deps.policies.reload(t.deps.audit, 'system:test');
  expect(result.ok, JSON.stringify(result)).toBe(true);
}

async function customer(offset: number) {
  const [c] = await sql<{ id: number; email: string; full_name: string; phone: string | null }>(
    t.urls.crm,
    `SELECT c.id, c.email, c.full_name, c.phone FROM customers c
      WHERE EXISTS (SELECT 1 FROM payment_cards p WHERE p.customer_id = c.id) ORDER BY c.id LIMIT 1 OFFSET ${offset}`,
  );
  return c;
}

async function approved(email: string) {
  const service = createRequestService(t.deps);
  const row = await service.create(
    { type: 'erasure', regulation: 'gdpr', identity: { email }, reference: '' },
    officer(1),
  );
  await service.verify(row.id, { method: 'email_link', evidence: 'confirmed by link' }, officer(1));
  return row.id;
}

const requestRow = (id: string) => t.deps.db('requests').where({ id }).first();

async function closed(id: string, statuses = ['completed', 'part_held', 'needs_attention']) {
  return until(
    async () => {
      const r = await requestRow(id);
      return statuses.includes(r.status) ? r : null;
    },
    60_000,
    `request ${id} in ${statuses.join('/')}`,
  ).catch(async (e) => {
    const r = await requestRow(id);
    const job = await t.deps.queues.getJob('erasure', id);
    throw new Error(
      `${e.message}: status ${r.status}, error ${r.last_error}, job ${job ? await job.getState() : 'none'} ${job?.failedReason ?? ''} ${JSON.stringify(job?.returnvalue)}`,
    );
  });
}

async function pdfText(id: string, file: 'certificate.pdf' | 'certificate-supplement.pdf') {
  const res = await officerSession.agent
    .get(`/requests/${id}/${file}`)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(res.status).toBe(200);
  const out = path.join(dir, `${id}-${file}`);
  fs.writeFileSync(out, res.body as Buffer);
  return {
    text: execFileSync('pdftotext', [out, '-']).toString().replace(/\s+/g, ' '),
    sha256: res.headers['x-content-sha256'] as string,
  };
}

/** Every column of the request, its steps and its held rows: none holds an identity value of the subject. */
async function assertNoIdentityValue(id: string, values: string[]) {
  const rows = {
    request: await requestRow(id),
    steps: await t.deps.db('request_steps').where({ request_id: id }),
    held: await t.deps.db('request_held_rows').where({ request_id: id }),
  };
  for (const [table, content] of Object.entries(rows)) {
    const all = (Array.isArray(content) ? content : [content]) as Record<string, unknown>[];
    for (const r of all) {
      for (const [column, value] of Object.entries(r)) {
        const text = (value instanceof Date ? value.toISOString() : (JSON.stringify(value) ?? '')).toLowerCase();
        for (const v of values) expect(text, `${table}.${column}`).not.toContain(v.toLowerCase());
      }
    }
  }
  expect(Object.keys(rows.held[0] ?? {}).sort()).toEqual(
    [
      'dataset',
      'erased_at',
      'hold',
      'held_at',
      'id',
      'mention_column',
      'request_id',
      'row_key',
      'status',
      'step_key',
      'system',
    ].sort(),
  );
}

describe('legal holds honoured by erasure', () => {
  it('dataset hold (the demo tickets, LIT-2026-014): kept, previewed, certified, tracked by key; erased with a supplement once the hold is lifted', async () => {
    // A subject with tickets of their own who is also cc'd on someone else's ticket.
    const ccs = await sql<{ id: string; cc: string; customer_id: number }>(
      t.urls.support,
      'SELECT id::text, lower(cc_email) AS cc, customer_id::int FROM tickets WHERE cc_email IS NOT NULL ORDER BY id',
    );
    const owners = new Set(
      (await sql<{ c: number }>(t.urls.support, 'SELECT DISTINCT customer_id::int AS c FROM tickets')).map((r) => r.c),
    );
    const candidates = await sql<{ id: number; email: string; full_name: string; phone: string | null }>(
      t.urls.crm,
      'SELECT id::int AS id, email, full_name, phone FROM customers ORDER BY id',
    );
    const subject = candidates.find(
      (c) => owners.has(c.id) && ccs.some((x) => x.cc === c.email.toLowerCase() && x.customer_id !== c.id),
    )!;
    expect(subject).toBeTruthy();
    const ccTickets = ccs
      .filter((x) => x.cc === subject.email.toLowerCase() && x.customer_id !== subject.id)
      .map((x) => x.id);
    const tickets = await sql<{ id: string }>(
      t.urls.support,
      'SELECT id::text FROM tickets WHERE customer_id = $1 OR lower(requester_email) = lower($2) ORDER BY id',
      [subject.id, subject.email],
    );
    expect(tickets.length).toBeGreaterThan(0);
    const id = await approved(subject.email);

    const preview = await officerSession.agent.get(`/requests/${id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('data-testid="held-by"');
    expect(preview.text).toMatch(
      /kept under legal hold lit_2026_014_support_tickets<\/strong> \(case LIT-2026-014\), GDPR Art\. 17\(3\)\(e\)[^;]*; the hold expires 2027-06-30/,
    );

    await createRequestService(t.deps).approve(id, officer(2));
    const row = await closed(id);
    expect({ status: row.status, error: row.last_error }).toEqual({ status: 'part_held', error: null });
    expect(row.progress_label).toMatch(/^Completed — part held/);
    // The tickets (and the messages hanging off them) are untouched; the customer is gone.
    expect(
      await sql(t.urls.support, 'SELECT 1 FROM tickets WHERE id = ANY($1::bigint[]) AND requester_email IS NOT NULL', [
        tickets.map((x) => x.id),
      ]),
    ).toHaveLength(tickets.length);
    expect(await sql(t.urls.crm, 'SELECT 1 FROM customers WHERE id = $1', [subject.id])).toHaveLength(0);
    const held = await t.deps
      .db('request_held_rows')
      .where({ request_id: id, step_key: 'support.tickets', mention_column: '' })
      .orderBy('id');
    // Someone else's ticket the subject was cc'd on is held as it is; its key and column are recorded.
    const ccHeld = await t.deps
      .db('request_held_rows')
      .where({ request_id: id, step_key: 'support.tickets', mention_column: 'cc_email' })
      .pluck('row_key');
    expect(ccHeld.map((k: string[]) => k[0]).sort()).toEqual([...ccTickets].sort());
    expect(
      await sql(t.urls.support, 'SELECT 1 FROM tickets WHERE id = ANY($1::bigint[]) AND lower(cc_email) = lower($2)', [
        ccTickets,
        subject.email,
      ]),
    ).toHaveLength(ccTickets.length);
    expect(held.map((h) => h.row_key[0]).sort()).toEqual(tickets.map((x) => x.id).sort());
    expect(new Set(held.map((h) => h.hold))).toEqual(new Set(['lit_2026_014_support_tickets']));
    expect(row.outcome.notice).toContain('GDPR Art. 17(3)(e)');
    expect(row.outcome.notice).not.toContain('LIT-2026-014');
    expect(row.outcome.notice).not.toContain('lit_2026_014');
    await assertNoIdentityValue(id, [subject.email, subject.full_name, ...(subject.phone ? [subject.phone] : [])]);

    const cert = await pdfText(id, 'certificate.pdf');
    expect(cert.text).toContain(
      `support.tickets: ${tickets.length} row(s) kept untouched under legal hold lit_2026_014_support_tickets (case LIT-2026-014), GDPR Art. 17(3)(e)`,
    );
    const page = await officerSession.agent.get(`/requests/${id}`);
    expect(page.text).toContain('data-testid="held-rows"');
    expect(page.text).toContain('data-testid="subject-notice"');
    const dashboard = await officerSession.agent.get('/');
    expect(dashboard.text).toMatch(
      /lit_2026_014_support_tickets \(LIT-2026-014\): \d+ row\(s\) of \d+ erasure\(s\), until 2027-06-30/,
    );

    // While the hold stands, nothing is due.
    expect(await reconcileOnce(t.deps)).toBe(0);
    await reload((y) => y.replace(TICKET_HOLD, ''));
    expect(await reconcileOnce(t.deps)).toBeGreaterThanOrEqual(1);
    const done = await closed(id, ['completed', 'needs_attention']);
    expect({ status: done.status, error: done.last_error }).toEqual({ status: 'completed', error: null });
    expect(
      await sql(t.urls.support, 'SELECT 1 FROM tickets WHERE id = ANY($1::bigint[])', [tickets.map((x) => x.id)]),
    ).toHaveLength(0);
    expect(
      await sql(t.urls.support, 'SELECT 1 FROM tickets WHERE lower(requester_email) = lower($1) OR customer_id = $2', [
        subject.email,
        subject.id,
      ]),
    ).toHaveLength(0);
    expect(await t.deps.db('request_held_rows').where({ request_id: id, status: 'held' })).toHaveLength(0);
    // The other people's tickets stay; only the subject's address in their cc is gone.
    expect(await sql(t.urls.support, 'SELECT 1 FROM tickets WHERE id = ANY($1::bigint[])', [ccTickets])).toHaveLength(
      ccTickets.length,
    );
    expect(
      await sql(t.urls.support, 'SELECT 1 FROM tickets WHERE lower(cc_email) = lower($1)', [subject.email]),
    ).toHaveLength(0);

    const supplement = await pdfText(id, 'certificate-supplement.pdf');
    expect(supplement.text).toContain('Supplementary certificate of erasure');
    expect(supplement.text).toContain(`Supplements the certificate of erasure with SHA-256 ${cert.sha256}`);
    expect(supplement.text).toMatch(
      new RegExp(
        `support\\.tickets: ${tickets.length} held row\\(s\\) under lit_2026_014_support_tickets: ${tickets.length} deleted, 0 erased in place, ${ccTickets.length} mention\\(s\\) in other people's rows erased; verified by key: none remains`,
      ),
    );
    const actions = await t.deps
      .db('audit_log')
      .where({ target: `request:${id}` })
      .orderBy('seq')
      .pluck('action');
    expect(actions).toEqual(
      expect.arrayContaining([
        'request.complete_part_held',
        'request.certificate',
        'request.certificate_supplement',
        'request.held_erased',
      ]),
    );
    // A second reconcile finds nothing more to do.
    expect(await reconcileOnce(t.deps)).toBe(0);
    await reload((y) =>
      y.replace(
        "  # A regulator's inquiry",
        fs.readFileSync(path.join(POLICIES_DIR, 'retention.yaml'), 'utf8').match(TICKET_HOLD)![0] +
          "  # A regulator's inquiry",
      ),
    );
  }, 180_000);

  it('category hold with an expiry: payment cards kept (and their customer, which they point at) until the hold expires, then erased by key', async () => {
    const subject = await customer(1);
    const cards = await sql<{ id: string }>(t.urls.crm, 'SELECT id::text FROM payment_cards WHERE customer_id = $1', [
      subject.id,
    ]);
    expect(cards.length).toBeGreaterThan(0);
    const expires = new Date(Date.now() + 30_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await reload((y) =>
      y.replace(
        'legal_holds:\n',
        `legal_holds:\n  - name: test_cards\n    case_reference: T-CARDS\n    category: user.financial\n    expires: ${expires}\n    legal_basis: { gdpr: "GDPR Art. 17(3)(e) test" }\n    reason: test\n`,
      ),
    );
    const id = await approved(subject.email);
    await createRequestService(t.deps).approve(id, officer(2));
    const row = await closed(id);
    expect({ status: row.status, error: row.last_error }).toEqual({ status: 'part_held', error: null });
    expect(await sql(t.urls.crm, 'SELECT 1 FROM payment_cards WHERE customer_id = $1', [subject.id])).toHaveLength(
      cards.length,
    );
    // crm.customers is held with the cards: deleting it would break the held rows' foreign key.
    expect(await sql(t.urls.crm, 'SELECT 1 FROM customers WHERE id = $1', [subject.id])).toHaveLength(1);
    const heldTables = new Set(await t.deps.db('request_held_rows').where({ request_id: id }).pluck('step_key'));
    expect(heldTables.has('crm.payment_cards') && heldTables.has('crm.customers')).toBe(true);
    // So are the subject's rows that would only go because they hang off the held customer (logins)…
    expect(await sql(t.urls.crm, 'SELECT 1 FROM logins WHERE customer_id = $1', [subject.id])).not.toHaveLength(0);
    expect(heldTables.has('crm.logins')).toBe(true);
    // …while other systems went as usual (analytics events deleted).
    expect(await sql(t.urls.analytics, 'SELECT 1 FROM events WHERE user_id = $1', [subject.id])).toHaveLength(0);
    await assertNoIdentityValue(id, [subject.email, subject.full_name]);

    await until(async () => Date.now() > Date.parse(expires) + 1000, 60_000, 'the hold to expire');
    expect(await reconcileOnce(t.deps)).toBeGreaterThanOrEqual(1);
    const heldUnder = async (hold: string) =>
      t.deps.db('request_held_rows').where({ request_id: id, hold, status: 'held' });
    await until(async () => (await heldUnder('test_cards')).length === 0, 60_000, "the expired hold's rows erased");
    // Rows are marked erased step by step; the follow-up ends with its request.held_erased entry.
    await until(
      async () =>
        !!(await t.deps
          .db('audit_log')
          .where({ target: `request:${id}`, action: 'request.held_erased' })
          .first()),
      60_000,
      'the follow-up to end',
    );
    expect(await sql(t.urls.crm, 'SELECT 1 FROM payment_cards WHERE customer_id = $1', [subject.id])).toHaveLength(0);
    expect(await sql(t.urls.crm, 'SELECT 1 FROM customers WHERE id = $1', [subject.id])).toHaveLength(0);
    // Rows under the ticket hold, which still stands, stay held: the request stays part held until it ends.
    const ticketRows = await heldUnder('lit_2026_014_support_tickets');
    const after = await closed(id, ['completed', 'part_held', 'needs_attention']);
    expect(after.status).toBe(ticketRows.length ? 'part_held' : 'completed');
    expect(await t.deps.db('audit_log').where({ target: `request:${id}`, action: 'request.held_erased' })).toHaveLength(
      1,
    );
  }, 180_000);
});

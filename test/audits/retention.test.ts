// Retention enforced on the demo systems: rows past retention deleted or anonymized as the policy
// says, held rows kept and counted, a dry run changes nothing, a second sweep changes nothing, and
// a large first run stops at a finding until an officer approves it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp, sql, type DemoApp } from '../requests/support';
import { POLICIES_DIR } from '../support/app';
import { runAudit } from '../../server/audits/runs';
import { processPools } from '../../server/systems/connections';
import { changeFinding } from '../../server/audits/commands';
import { cliRunner } from '../support/cli';

let t: DemoApp;
let policiesDir: string;
const LIMIT = 3;
beforeAll(async () => {
  policiesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-retention-'));
  fs.cpSync(POLICIES_DIR, policiesDir, { recursive: true });
  fs.appendFileSync(path.join(policiesDir, 'retention.yaml'), `\nfirst_run_limit: ${LIMIT}\n`);
  t = await createDemoApp({ policiesDir });
  // Planted: three customers closed four years ago (past P3Y from account_closed), one closed last year.
  await sql(
    t.urls.crm,
    `UPDATE customers SET closed_at = now() - interval '4 years' WHERE id IN (SELECT id FROM customers ORDER BY id LIMIT 3)`,
  );
  await sql(
    t.urls.crm,
    `UPDATE customers SET closed_at = now() - interval '1 year' WHERE id = (SELECT id FROM customers ORDER BY id OFFSET 3 LIMIT 1)`,
  );
  // Old analytics events beyond the limit, and old support tickets (held by LIT-2026-014).
  await sql(
    t.urls.analytics,
    `UPDATE events SET occurred_at = now() - interval '2 years' WHERE ctid IN (SELECT ctid FROM events LIMIT 10)`,
  );
  await sql(
    t.urls.support,
    `UPDATE tickets SET created_at = now() - interval '5 years' WHERE ctid IN (SELECT ctid FROM tickets LIMIT 2)`,
  );
}, 180_000);
afterAll(async () => {
  await t?.close();
  fs.rmSync(policiesDir, { recursive: true, force: true });
});

let n = 0;
const sweep = (dryRun = false) =>
  runAudit(t.deps, {
    kind: 'retention_sweep',
    schedule: 'manual',
    tickAt: null,
    jobId: `sweep-${++n}`,
    dryRun,
    triggeredBy: 'system:test',
  });
type Rule = {
  rule: string;
  dataset: string;
  due: number | null;
  changed?: number;
  held?: number;
  wouldChange?: number;
  stopped?: boolean;
  note?: string;
};
const ruleOf = (summary: Record<string, unknown>, rule: string) =>
  (summary.rules as Rule[]).find((r) => r.rule === rule)!;
const count = async (url: string, q: string) => Number((await sql<{ n: string }>(url, q))[0].n);

describe('retention sweep', () => {
  it('a dry run reports per rule what it would do and changes nothing', async () => {
    const dueEvents = await count(
      t.urls.analytics,
      `SELECT count(*) AS n FROM events WHERE occurred_at + interval '13 months' < now()`,
    );
    const total = await count(t.urls.analytics, 'SELECT count(*) AS n FROM events');
    const r = await sweep(true);
    expect(ruleOf(r.run.summary, 'analytics_events')).toMatchObject({ due: dueEvents, wouldChange: dueEvents });
    expect(ruleOf(r.run.summary, 'closed_customer_accounts')).toMatchObject({ due: 3, wouldChange: 3 });
    expect(await count(t.urls.analytics, 'SELECT count(*) AS n FROM events')).toBe(total);
    expect(await t.deps.db('findings').where({ kind: 'retention_sweep' }).first()).toBeUndefined();
  });

  it('a first run above the limit stops at a finding; approved, the next sweep enforces exactly what the policy says', async () => {
    const dueEvents = await count(
      t.urls.analytics,
      `SELECT count(*) AS n FROM events WHERE occurred_at + interval '13 months' < now()`,
    );
    expect(dueEvents).toBeGreaterThan(LIMIT);
    const total = await count(t.urls.analytics, 'SELECT count(*) AS n FROM events');
    const first = await sweep();
    expect(ruleOf(first.run.summary, 'analytics_events')).toMatchObject({ due: dueEvents, changed: 0, stopped: true });
    expect(await count(t.urls.analytics, 'SELECT count(*) AS n FROM events')).toBe(total);
    const guard = await t.deps
      .db('findings')
      .where({ kind: 'retention_sweep', key: 'first-run:analytics_events:analytics.events' })
      .first();
    expect(guard).toMatchObject({ severity: 'high', status: 'open' });
    // Three customers is within the limit: anonymized at once, exactly the listed columns.
    const anon = await sql<Record<string, unknown>>(
      t.urls.crm,
      `SELECT email, full_name, phone, date_of_birth, postal_code FROM customers WHERE closed_at < now() - interval '3 years'`,
    );
    expect(anon).toHaveLength(3);
    for (const c of anon) {
      expect(String(c.email)).toMatch(/^anon:[0-9a-f]{64}$/);
      expect(c).toMatchObject({ full_name: '[anonymized]', phone: null, date_of_birth: null, postal_code: null });
    }
    const recent = await sql<{ email: string }>(
      t.urls.crm,
      `SELECT email FROM customers WHERE closed_at > now() - interval '2 years'`,
    );
    expect(recent[0].email).toContain('@');

    await changeFinding(t.deps, guard.id, { action: 'acknowledge', note: 'checked the rule' }, 'user:officer');
    const second = await sweep();
    expect(ruleOf(second.run.summary, 'analytics_events')).toMatchObject({ due: dueEvents, changed: dueEvents });
    expect(await count(t.urls.analytics, 'SELECT count(*) AS n FROM events')).toBe(total - dueEvents);
    expect(
      await count(
        t.urls.analytics,
        `SELECT count(*) AS n FROM events WHERE occurred_at + interval '13 months' < now()`,
      ),
    ).toBe(0);
  });

  it('held rows survive and are counted', async () => {
    const r = await sweep();
    expect(ruleOf(r.run.summary, 'support_tickets')).toMatchObject({
      held: 2,
      changed: 0,
      note: 'legal hold lit_2026_014_support_tickets (LIT-2026-014)',
    });
    expect(
      await count(t.urls.support, `SELECT count(*) AS n FROM tickets WHERE created_at < now() - interval '4 years'`),
    ).toBe(2);
  });

  it('a second sweep changes nothing', async () => {
    const r = await sweep();
    // The sweep's pools are its own (its batches turn synchronous_commit off on their session):
    // none was given to the process's pools, which the next erasure would borrow.
    expect(processPools.idle()).toBe(0);
    const changed = (r.run.summary.rules as Rule[]).filter((x) => (x.changed ?? 0) > 0);
    expect(changed).toEqual([]);
    expect(r.run.summary.totalChanged).toBe(0);
  });

  it('`lethe audit run retention_sweep --dry-run` prints the per-rule summary and exits 0; an unknown kind exits 2', async () => {
    const cli = cliRunner(t.env);
    const ok = await cli(['audit', 'run', 'retention_sweep', '--dry-run']);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('Retention sweep (dry run): ');
    expect(ok.out).toMatch(/analytics_events on analytics\.events \(delete\): due 0, wouldChange 0/);
    const bad = await cli(['audit', 'run', 'no_such_kind']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown audit kind "no_such_kind"');
  });

  it('rows of a subject under a legal hold survive the sweep, in every system, and are counted; the others go', async () => {
    // Planted: two customers with sign-ins and analytics events past retention; a hold on one of them.
    const [kept, other] = await sql<{ id: number; email: string }>(
      t.urls.crm,
      'SELECT id, email FROM customers ORDER BY id OFFSET 6 LIMIT 2',
    );
    const ids = `${kept.id}, ${other.id}`;
    await sql(
      t.urls.crm,
      `INSERT INTO logins (customer_id, ip_address, user_agent, at)
      SELECT c, '10.0.0.1', 'bench', now() - interval '2 years' FROM unnest(ARRAY[${ids}, ${ids}]) c`,
    );
    await sql(
      t.urls.analytics,
      `INSERT INTO events (user_id, event, ip_address, occurred_at)
      SELECT c, 'page_view', '10.0.0.1', now() - interval '2 years' FROM unnest(ARRAY[${ids}]) c`,
    );
    const oldLogins = (id: number) =>
      count(
        t.urls.crm,
        `SELECT count(*) AS n FROM logins WHERE customer_id = ${id} AND at < now() - interval '1 year'`,
      );
    const oldEvents = (id: number) =>
      count(
        t.urls.analytics,
        `SELECT count(*) AS n FROM events WHERE user_id = '${id}' AND occurred_at < now() - interval '13 months'`,
      );
    const keptLogins = await oldLogins(kept.id);
    const otherLogins = await oldLogins(other.id);
    expect(keptLogins).toBeGreaterThanOrEqual(2);
    expect(await oldEvents(kept.id)).toBe(1);
    const dueLogins = await count(t.urls.crm, `SELECT count(*) AS n FROM logins WHERE at + interval '1 year' < now()`);
    // The rule's first run was held at the guard (the demo has old sign-ins): an officer approves it.
    const guard = await t.deps
      .db('findings')
      .where({ kind: 'retention_sweep', key: 'first-run:customer_logins:crm.logins' })
      .first();
    if (guard?.status === 'open')
      await changeFinding(t.deps, guard.id, { action: 'acknowledge', note: 'checked the rule' }, 'user:officer');
    // The hold names the subject by the fingerprint an erasure request of their email would have.
    const fingerprint = t.deps.crypto.blindIndex(`email:${kept.email.toLowerCase()}`);
    const file = path.join(policiesDir, 'retention.yaml');
    const before = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(
      file,
      before.replace(
        'legal_holds:\n',
        `legal_holds:\n  - name: test_subject_hold\n    case_reference: LIT-TEST-1\n    subject: ${fingerprint}\n    legal_basis: { gdpr: GDPR Art. 17(3)(e) }\n    reason: test\n`,
      ),
    );
    expect((await t.deps.policies.reload(t.deps.audit, 'system:test')).ok).toBe(true);
    try {
      const dry = await sweep(true);
      expect(ruleOf(dry.run.summary, 'customer_logins')).toMatchObject({
        due: dueLogins,
        held: keptLogins,
        wouldChange: dueLogins - keptLogins,
      });

      const r = await sweep();
      expect(ruleOf(r.run.summary, 'customer_logins')).toMatchObject({
        due: dueLogins,
        held: keptLogins,
        changed: dueLogins - keptLogins,
      });
      expect(ruleOf(r.run.summary, 'customer_logins').note).toContain('test_subject_hold (LIT-TEST-1)');
      expect(ruleOf(r.run.summary, 'analytics_events')).toMatchObject({ due: 2, held: 1, changed: 1 });
      expect([await oldLogins(kept.id), await oldEvents(kept.id)]).toEqual([keptLogins, 1]);
      expect([otherLogins > 0, await oldLogins(other.id), await oldEvents(other.id)]).toEqual([true, 0, 0]);
      // Nothing of the subject's identity reaches the run's summary.
      expect(JSON.stringify(r.run.summary)).not.toContain(kept.email);

      const again = await sweep();
      expect(ruleOf(again.run.summary, 'customer_logins')).toMatchObject({
        due: keptLogins,
        held: keptLogins,
        changed: 0,
      });
    } finally {
      fs.writeFileSync(file, before);
      expect((await t.deps.policies.reload(t.deps.audit, 'system:test')).ok).toBe(true);
    }
    // The hold lifted, the next sweep deletes them.
    const lifted = await sweep();
    expect(ruleOf(lifted.run.summary, 'customer_logins')).toMatchObject({ due: keptLogins, changed: keptLogins });
    expect(await oldLogins(kept.id)).toBe(0);
  });

  it('rows due for review are one finding per rule and dataset, deduplicated, remediated once reviewed, reopened when more fall due', async () => {
    const [order] = await sql<{ id: number; placed_at: Date }>(
      t.urls.crm,
      'SELECT id, placed_at FROM orders ORDER BY id LIMIT 1',
    );
    const finding = () => t.deps.db('findings').where({ kind: 'retention_sweep', key: 'review:orders:crm.orders' });
    const age = (years: number) =>
      sql(t.urls.crm, `UPDATE orders SET placed_at = now() - interval '${years} years' WHERE id = $1`, [order.id]);
    expect(await finding()).toHaveLength(0);

    await age(11); // past the orders rule's P10Y: a person must check it
    const first = await sweep();
    expect(ruleOf(first.run.summary, 'orders')).toMatchObject({ due: 1, changed: 0 });
    const [f] = await finding();
    expect(f).toMatchObject({ severity: 'medium', status: 'open', occurrences: 1 });
    await sweep();
    expect(await finding()).toHaveLength(1);
    expect((await finding())[0]).toMatchObject({ id: f.id, status: 'open', occurrences: 2 });

    // Reviewed: the officer found an open dispute and the order's clock restarts (here: made recent).
    await age(1);
    await sweep();
    expect((await finding())[0]).toMatchObject({ status: 'remediated', occurrences: 2 });

    await age(12);
    await sweep();
    expect(await finding()).toHaveLength(1);
    expect((await finding())[0]).toMatchObject({ id: f.id, status: 'open', reopened: 1, occurrences: 3 });
    await sql(t.urls.crm, 'UPDATE orders SET placed_at = $2 WHERE id = $1', [order.id, order.placed_at]);
  });
});

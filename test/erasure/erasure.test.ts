import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRequest } from '../../server/erasure/plan';
import { discoverIdentities, previewRequest, runErasure, type ErasureContext } from '../../server/erasure/execute';
import { verifyErasure } from '../../server/erasure/verify';
import { hashValue, REDACTED } from '../../server/erasure/strategies';
import { DEMO_ANCHOR } from '../../server/demo/systems';
import type { Regulation } from '../../server/policies/types';
import { fixtureDecide } from '../fixtures/decide';
import { demoPolicy, TAX_MASK } from '../fixtures/demo-policy';
import { dumpAll, query, rowsNaming, setupDemo, subject, touchable, type DemoEnv, type Subject } from './helpers';
import { memoryCheckpoints } from './checkpoints';

const decide = fixtureDecide(demoPolicy);
const keys = { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) };
const now = new Date(DEMO_ANCHOR);
const TEN_YEARS_AGO = new Date('2016-11-01T00:00:00Z');

describe('erasure across the demo systems', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await setupDemo(40, 11);
  }, 120_000);
  afterAll(() => env?.drop());

  async function prepare(s: Subject, regulation: Regulation = 'gdpr') {
    const identity = await discoverIdentities({
      datamap: env.datamap,
      connections: env.connections,
      identity: { email: [s.email.toUpperCase()] },
    });
    const plan = planRequest({ datamap: env.datamap, decide, regulation, identity });
    const ctx: ErasureContext = { connections: env.connections, identity, keys, now };
    return { identity, plan, ctx };
  }

  it('erases a subject everywhere, leaves everyone else byte-for-byte unchanged and keeps tax invoices masked', async () => {
    const s = await subject(env, 1);
    const before = await dumpAll(env);
    const allowed = await touchable(env, s);
    const { identity, plan, ctx } = await prepare(s);
    expect(identity.customer_id).toEqual([s.id]);
    expect(identity.phone).toEqual([s.phone!.replace(/ /g, '')]); // E.164 since issue 8

    const outcome = await runErasure(plan, ctx, memoryCheckpoints());
    const after = await dumpAll(env);
    // Distinct identity values per kind in the subject's rows: counted by the DELETE … RETURNING of a
    // plain delete (customers) and by the separate count where an exemption keeps rows (invoices).
    expect(outcome.results['crm.customers'].discovered).toEqual({ customer_id: 1, email: 1, phone: 1 });
    expect(outcome.results['crm.customers'].rowsDeleted).toBe(1);
    expect(outcome.results['billing.invoices'].discovered.customer_id).toBe(1);

    for (const [table, rows] of before) {
      for (const [pk, json] of rows)
        if (!allowed.has(`${table}:${pk}`)) expect(after.get(table)!.get(pk), `${table}:${pk}`).toBe(json);
    }
    for (const [table, rows] of after)
      for (const pk of rows.keys()) expect(before.get(table)!.has(pk), `new row ${table}:${pk}`).toBe(true);

    // A direct scan of every column of every table finds the subject only in invoices kept for tax.
    const naming = await rowsNaming(env, s);
    expect(naming.map((n) => n.table).filter((t) => t !== 'billing.invoices')).toEqual([]);
    const invoicesBefore = [...before.get('billing.invoices')!.values()]
      .map((j) => JSON.parse(j))
      .filter((r) => String(r.customer_id) === s.id);
    const young = invoicesBefore.filter((r) => new Date(r.issued_at) > TEN_YEARS_AGO);
    expect(young.length).toBeGreaterThan(0);
    expect(invoicesBefore.length).toBeGreaterThan(young.length);
    const kept = await query<Record<string, unknown>>(
      env.urls.billing,
      'SELECT * FROM invoices WHERE customer_id = $1 ORDER BY id',
      [s.id],
    );
    expect(kept.map((r) => String(r.id))).toEqual(young.map((r) => String(r.id)));
    for (const r of kept) {
      expect([r.billing_name, r.billing_email]).toEqual([TAX_MASK, TAX_MASK]);
      expect(r.amount_cents).toBe(young.find((y) => String(y.id) === String(r.id)).amount_cents);
    }
    expect(naming.filter((n) => n.table === 'billing.invoices')).toHaveLength(young.length);

    // Someone else's ticket the subject was cc'd on stays, with the cc hashed (HMAC, per-request key).
    const ccTickets = [...before.get('support.tickets')!.values()]
      .map((j) => JSON.parse(j))
      .filter((t) => t.cc_email === s.email && String(t.customer_id) !== s.id);
    expect(ccTickets.length).toBeGreaterThan(0);
    for (const t of ccTickets) {
      const [now] = await query<Record<string, unknown>>(env.urls.support, 'SELECT * FROM tickets WHERE id = $1', [
        t.id,
      ]);
      expect(now).toMatchObject({
        requester_email: t.requester_email,
        body: t.body,
        cc_email: hashValue(keys.hash, s.email),
      });
    }
    // Their message on another customer's ticket is gone; the ticket is not.
    const ticketsBefore = before.get('support.tickets')!;
    const message = [...before.get('support.ticket_messages')!.values()]
      .map((j) => JSON.parse(j))
      .find(
        (m) =>
          m.author_email === s.email &&
          String(JSON.parse(ticketsBefore.get(String(m.ticket_id))!).customer_id) !== s.id,
      );
    expect(after.get('support.ticket_messages')!.has(String(message.id))).toBe(false);
    expect(after.get('support.tickets')!.has(String(message.ticket_id))).toBe(true);
    // Another customer's prompt quoting their address keeps its text, with the address redacted.
    const quoting = [...before.get('assistant.prompt_logs')!.values()]
      .map((j) => JSON.parse(j))
      .filter((p) => p.user_email !== s.email && p.prompt.includes(s.email));
    expect(quoting.length).toBeGreaterThan(0);
    for (const p of quoting)
      expect(JSON.parse(after.get('assistant.prompt_logs')!.get(String(p.id))!).prompt).toBe(
        p.prompt.replaceAll(s.email, REDACTED),
      );

    expect(outcome.artefacts.taintedSnapshots).toEqual(['assistant.training_snapshot_2026_10']);
    expect(outcome.artefacts.retrainModels).toEqual([
      { model: 'support-assistant-v3', snapshots: ['assistant.training_snapshot_2026_10'] },
    ]);
    expect(outcome.results['billing.invoices'].exemptions).toEqual([
      { exemption: 'tax_records', legalBasis: 'GDPR Art. 17(3)(b)', rows: young.length },
    ]);

    const verification = await verifyErasure({
      datamap: env.datamap,
      connections: env.connections,
      identity,
      decide,
      regulation: 'gdpr',
      now,
    });
    expect(verification).toMatchObject({ clean: true, remaining: [], problems: [] });
    expect(verification.exempt).toEqual([
      {
        system: 'billing',
        table: 'invoices',
        rows: young.length,
        exemption: 'tax_records',
        legalBasis: 'GDPR Art. 17(3)(b)',
      },
    ]);
  });

  it('previews exactly what the erasure then does, without changing anything', async () => {
    const s = await subject(env, 2);
    const { plan, ctx } = await prepare(s);
    const before = await dumpAll(env);
    const preview = await previewRequest(plan, ctx);
    expect(await dumpAll(env)).toEqual(before);
    expect(preview.tables.reduce((n, t) => n + t.rowsMatched, 0)).toBeGreaterThan(5);
    const invoices = preview.tables.find((t) => t.key === 'billing.invoices')!;
    expect(invoices.columns.find((c) => c.column === 'billing_name')).toMatchObject({
      erased: 'row deleted',
      inKeptRows: `'${TAX_MASK}'`,
      exemption: 'tax_records',
    });
    expect(invoices.exemptions[0]).toMatchObject({ exemption: 'tax_records', legalBasis: 'GDPR Art. 17(3)(b)' });

    const outcome = await runErasure(plan, ctx, memoryCheckpoints());
    for (const t of preview.tables) {
      const r = outcome.results[t.key];
      expect([r.rowsDeleted, r.rowsUpdated, r.rowsKept, r.mentionsErased], t.key).toEqual([
        t.rowsToDelete,
        t.rowsToUpdate,
        t.rowsKept,
        t.mentions.reduce((n, m) => n + m.rows, 0),
      ]);
    }
  });

  it('changes nothing and reports zero rows when a finished erasure runs again', async () => {
    const s = await subject(env, 3);
    const { plan, ctx } = await prepare(s);
    const first = await runErasure(plan, ctx, memoryCheckpoints());
    expect(first.totals.rowsAffected).toBeGreaterThan(0);
    const before = await dumpAll(env);
    const again = await runErasure(plan, ctx, memoryCheckpoints());
    expect(Object.values(again.results).map((r) => r.rowsAffected)).toEqual(plan.steps.map(() => 0));
    expect(await dumpAll(env)).toEqual(before);
  });

  it.each([
    ['sequential', 5],
    ['concurrent', 7],
  ] as const)(
    'resumes after crashes mid-step and between commit and checkpoint, applying every step exactly once (%s systems)',
    async (systems, n) => {
      const s = await subject(env, n);
      const { plan, ctx } = await prepare(s);
      const expected = await previewRequest(plan, ctx);
      const cp = memoryCheckpoints();
      const original = await query<{ id: string; user_id: string }>(
        env.urls.analytics,
        'SELECT id, user_id FROM events WHERE user_id = $1',
        [s.id],
      );
      expect(original.length).toBeGreaterThan(0);

      // Crash 1: the worker dies inside the analytics step, before its transaction commits.
      const dieInside = {
        ...cp,
        markStarted: async (k: string, p: Parameters<NonNullable<typeof cp.markStarted>>[1]) => {
          await cp.markStarted!(k, p);
          if (k === 'analytics.events') throw new Error('SIGKILL');
        },
      };
      await expect(runErasure(plan, ctx, dieInside, { attempts: 1, systems })).rejects.toThrow('SIGKILL');
      const crashed = plan.steps.findIndex((x) => x.key === 'analytics.events');
      // One after another, the steps before the crash are done; side by side, every other system's chain
      // finished (and analytics' own chain stopped at the crash).
      const chainRest = plan.steps.filter((x, i) => i >= crashed && x.system === 'analytics').length;
      expect(cp.done.size).toBe(systems === 'sequential' ? crashed : plan.steps.length - chainRest);
      expect(cp.done.has('analytics.events')).toBe(false);
      // Crash 2: the same step commits this time, but the worker dies before Lethe records it.
      const dieAfterCommit = {
        ...cp,
        markDone: async (k: string, r: Parameters<typeof cp.markDone>[1]) => {
          if (k === 'analytics.events') throw new Error('SIGKILL');
          await cp.markDone(k, r);
        },
      };
      await expect(runErasure(plan, ctx, dieAfterCommit, { attempts: 1, systems })).rejects.toThrow('SIGKILL');
      const outcome = await runErasure(plan, ctx, cp, { systems });

      for (const t of expected.tables) {
        const r = outcome.results[t.key];
        expect([r.rowsDeleted, r.rowsUpdated], t.key).toEqual([t.rowsToDelete, t.rowsToUpdate]);
      }
      expect(outcome.results['analytics.events'].notes.some((n) => n.startsWith('resumed'))).toBe(true);
      // Pseudonymized once, not twice: the token is the HMAC of the original id.
      const after = await query<{ id: string; user_id: string }>(
        env.urls.analytics,
        `SELECT id, user_id FROM events WHERE id = ANY($1::bigint[]) ORDER BY id`,
        [original.map((e) => e.id)],
      );
      const token = 'pseu_' + crypto.createHmac('sha256', keys.pseudonym).update(s.id).digest('hex').slice(0, 24);
      expect(after.map((e) => e.user_id)).toEqual(original.map(() => token));
      expect(cp.progressSeen.at(-1)).toEqual([plan.steps.length, plan.steps.length]);
    },
  );

  it('lists what remains when data of the subject reappears after the erasure', async () => {
    const s = await subject(env, 6);
    const { identity, plan, ctx } = await prepare(s);
    await runErasure(plan, ctx, memoryCheckpoints());
    await query(
      env.urls.assistant,
      `INSERT INTO prompt_logs (user_email, prompt, completion, created_at) VALUES ($1, 'hello again', 'hi', now())`,
      [s.email],
    );
    const v = await verifyErasure({
      datamap: env.datamap,
      connections: env.connections,
      identity,
      decide,
      regulation: 'gdpr',
      now,
    });
    expect(v.clean).toBe(false);
    expect(v.remaining).toEqual([{ system: 'assistant', table: 'prompt_logs', column: 'user_email', rows: 1 }]);
  });

  it('deletes invoices too when the regulation has no tax exemption in the policy (CCPA)', async () => {
    const s = await subject(env, 8);
    const invoices = await query(env.urls.billing, 'SELECT id FROM invoices WHERE customer_id = $1', [s.id]);
    expect(invoices.length).toBeGreaterThan(0);
    const { plan, ctx } = await prepare(s, 'ccpa');
    const outcome = await runErasure(plan, ctx, memoryCheckpoints());
    expect(outcome.results['billing.invoices']).toMatchObject({ rowsDeleted: invoices.length, rowsKept: 0 });
    expect(await query(env.urls.billing, 'SELECT id FROM invoices WHERE customer_id = $1', [s.id])).toEqual([]);
  });
});

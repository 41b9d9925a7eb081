// GDPR Art. 17(3)(e): a legal hold on the data subject keeps all of their rows. Since issue 9 it no
// longer pauses the request: the request is answered within its deadline and closes "completed —
// part held" with the held rows tracked by key; lifting the hold lets the reconciler erase them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { POLICIES_DIR, signIn } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { reconcileOnce } from '../../jobs/reconciler';
import { createRequestService } from '../../server/requests/service';
import type { Principal } from '../../server/auth/principal';
import { createDemoApp, sql, until, type DemoApp } from './support';

const ORIGINAL = '3f1c9a0e5b7d2c4f8a6e1b3d5c7f9a2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a';
let t: DemoApp;
let dir: string;
let workers: RunningWorkers;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-holds-'));
  fs.cpSync(POLICIES_DIR, dir, { recursive: true });
  t = await createDemoApp({ policiesDir: dir });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const officer = (n: number): Principal => ({
  kind: 'user',
  id: `user:hold-${n}`,
  role: 'compliance_officer',
  name: `Officer ${n}`,
});
const retention = () => path.join(dir, 'retention.yaml');

describe('legal holds on a data subject', () => {
  it('an erasure of a held subject keeps every row of theirs, closes part held within its deadline, and erases them by key once the hold is lifted', async () => {
    const [subject] = await sql<{ id: number; email: string }>(
      t.urls.crm,
      'SELECT id, email FROM customers ORDER BY id LIMIT 1 OFFSET 11',
    );
    const fingerprint = t.deps.crypto.blindIndex(`email:${subject.email}`);
    fs.writeFileSync(retention(), fs.readFileSync(retention(), 'utf8').replace(ORIGINAL, fingerprint));
    expect((await t.deps.policies.reload(t.deps.audit, 'system:test')).ok).toBe(true);

    const service = createRequestService(t.deps);
    const row = await service.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: subject.email }, reference: '' },
      officer(1),
    );
    await service.verify(row.id, { method: 'email_link', evidence: 'confirmed by link' }, officer(1));
    const s = await signIn(t, 'compliance_officer');
    const preview = await s.agent.get(`/requests/${row.id}/preview`);
    expect(preview.text).toContain('kept under legal hold lit_2026_021_customer_claim</strong> (case LIT-2026-021)');
    expect(preview.text).toContain('until the hold is lifted');
    await service.approve(row.id, officer(2));
    const held = await until(
      async () => {
        const r = await t.deps.db('requests').where({ id: row.id }).first();
        return ['part_held', 'completed', 'needs_attention'].includes(r.status) ? r : null;
      },
      60_000,
      'closed part held',
    );
    expect({ status: held.status, error: held.last_error }).toEqual({ status: 'part_held', error: null });
    expect(held.completed_at.getTime()).toBeLessThanOrEqual(new Date(held.due_at).getTime());
    // Every row of the subject is intact: nothing was written anywhere.
    expect(
      await sql(t.urls.crm, 'SELECT 1 FROM customers WHERE id = $1 AND email = $2', [subject.id, subject.email]),
    ).toHaveLength(1);
    const steps = await t.deps.db('request_steps').where({ request_id: row.id });
    expect(steps.reduce((n, st) => n + st.rows_affected, 0)).toBe(0);
    const holds = new Set(await t.deps.db('request_held_rows').where({ request_id: row.id }).pluck('hold'));
    expect(holds.has('lit_2026_021_customer_claim')).toBe(true);
    expect(held.identity_enc).toBeNull();
    expect(held.discovered_enc).toBeNull();
    const page = await s.agent.get(`/requests/${row.id}`);
    expect(page.text).toContain('data-testid="held-rows"');
    // While the hold stands, the reconciler leaves the request alone.
    expect(await reconcileOnce(t.deps)).toBe(0);

    fs.writeFileSync(retention(), fs.readFileSync(retention(), 'utf8').replace(fingerprint, ORIGINAL));
    expect((await t.deps.policies.reload(t.deps.audit, 'system:test')).ok).toBe(true);
    expect(await reconcileOnce(t.deps)).toBe(1);
    // The demo ticket hold still stands: the subject's tickets stay held, the rest goes.
    const tickets = await t.deps
      .db('request_held_rows')
      .where({ request_id: row.id, hold: 'lit_2026_014_support_tickets' });
    const done = await until(
      async () => {
        const r = await t.deps.db('requests').where({ id: row.id }).first();
        const left = await t.deps
          .db('request_held_rows')
          .where({ request_id: row.id, hold: 'lit_2026_021_customer_claim', status: 'held' });
        // The follow-up marks rows erased step by step and ends with the request.held_erased entry: wait for that end.
        const ended = await t.deps
          .db('audit_log')
          .where({ target: `request:${row.id}`, action: 'request.held_erased' })
          .first();
        return left.length === 0 && ended && ['part_held', 'completed', 'needs_attention'].includes(r.status)
          ? r
          : null;
      },
      60_000,
      'held rows erased after the hold',
    ).catch(async (e) => {
      const r = await t.deps.db('requests').where({ id: row.id }).first();
      const job = await t.deps.queues.getJob('erasure', row.id);
      throw new Error(
        `${e.message}: status ${r.status}, job ${job ? await job.getState() : 'none'} ${job?.failedReason ?? ''} ${JSON.stringify(job?.returnvalue)}`,
      );
    });
    expect({ status: done.status, error: done.last_error }).toEqual({
      status: tickets.length ? 'part_held' : 'completed',
      error: null,
    });
    expect(await sql(t.urls.crm, 'SELECT 1 FROM customers WHERE id = $1', [subject.id])).toHaveLength(0);
    const actions = await t.deps
      .db('audit_log')
      .where({ target: `request:${row.id}` })
      .orderBy('seq')
      .pluck('action');
    expect(actions).toEqual(expect.arrayContaining(['request.complete_part_held', 'request.held_erased']));
  }, 150_000);
});

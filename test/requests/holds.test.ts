// GDPR Art. 17(3)(e): a legal hold on the data subject pauses their erasure; lifting the hold
// lets the reconciler resume it.
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

const officer = (n: number): Principal => ({ kind: 'user', id: `user:hold-${n}`, role: 'compliance_officer', name: `Officer ${n}` });
const retention = () => path.join(dir, 'retention.yaml');

describe('legal holds on a data subject', () => {
  it('an erasure of a held subject waits on hold, shows the hold, and completes once the hold is lifted', async () => {
    const [subject] = await sql<{ id: number; email: string }>(t.urls.crm, 'SELECT id, email FROM customers ORDER BY id LIMIT 1 OFFSET 11');
    const fingerprint = t.deps.crypto.blindIndex(`email:${subject.email}`);
    fs.writeFileSync(retention(), fs.readFileSync(retention(), 'utf8').replace(ORIGINAL, fingerprint));
    expect((await t.deps.policies.reload(t.deps.audit, 'system:test')).ok).toBe(true);

    const service = createRequestService(t.deps);
    const row = await service.create({ type: 'erasure', regulation: 'gdpr', identity: { email: subject.email }, reference: '' }, officer(1));
    await service.verify(row.id, { method: 'email_link', evidence: 'confirmed by link' }, officer(1));
    await service.approve(row.id, officer(2));
    const held = await until(async () => {
      const r = await t.deps.db('requests').where({ id: row.id }).first();
      return r.status === 'on_hold' ? r : null;
    }, 30_000, 'on hold');
    expect(held.hold).toContain('LIT-2026-021');
    expect(await sql(t.urls.crm, 'SELECT 1 FROM customers WHERE id = $1', [subject.id])).toHaveLength(1);
    const s = await signIn(t, 'auditor');
    expect((await s.agent.get(`/requests/${row.id}`)).text).toContain('data-testid="legal-hold"');
    // While the hold stands, the reconciler leaves the request alone.
    expect(await reconcileOnce(t.deps)).toBe(0);

    fs.writeFileSync(retention(), fs.readFileSync(retention(), 'utf8').replace(fingerprint, ORIGINAL));
    expect((await t.deps.policies.reload(t.deps.audit, 'system:test')).ok).toBe(true);
    expect(await reconcileOnce(t.deps)).toBe(1);
    const done = await until(async () => {
      const r = await t.deps.db('requests').where({ id: row.id }).first();
      return ['completed', 'needs_attention'].includes(r.status) ? r : null;
    }, 60_000, 'completed after the hold').catch(async (e) => {
      const r = await t.deps.db('requests').where({ id: row.id }).first();
      const job = await t.deps.queues.getJob('erasure', row.id);
      throw new Error(`${e.message}: status ${r.status}, job ${job ? await job.getState() : 'none'} ${job?.failedReason ?? ''} ${JSON.stringify(job?.returnvalue)}`);
    });
    expect({ status: done.status, error: done.last_error }).toEqual({ status: 'completed', error: null });
    const actions = await t.deps.db('audit_log').where({ target: `request:${row.id}` }).orderBy('seq').pluck('action');
    expect(actions).toEqual(expect.arrayContaining(['request.hold', 'request.hold_lifted', 'request.complete']));
  }, 120_000);
});

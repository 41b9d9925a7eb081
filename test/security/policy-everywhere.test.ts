// Attack (issue 10, item 1): a legal hold added to the bundle and reloaded through the UI was
// ignored by a worker still running the old bundle, and the subject was erased. The held rows must stay. Here a web
// process and two worker processes (each its own dependencies, database pool, LISTEN connection
// and a policies directory still holding the OLD files) share one Postgres and one Redis.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICIES_DIR, csrfFrom, signIn } from '../support/app';
import { buildDeps } from '../../server/bootstrap';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import type { Deps } from '../../server/deps';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createRequestService } from '../../server/requests/service';
import { createDemoApp, sql, until, type DemoApp } from '../requests/support';
import { officers } from './support';

const ORIGINAL = '3f1c9a0e5b7d2c4f8a6e1b3d5c7f9a2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a';
let web: DemoApp;
let webDir: string;
const workerDeps: Deps[] = [];
const running: RunningWorkers[] = [];

async function workerProcess(): Promise<Deps> {
  // The worker's own copy of the files: the old bundle, as on a machine nobody redeployed.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-stale-worker-'));
  fs.cpSync(POLICIES_DIR, dir, { recursive: true });
  const config = loadConfig({ ...web.env, LETHE_POLICIES_DIR: dir, LETHE_POLICY_POLL_MS: '60000' });
  const deps = await buildDeps(config, {
    databaseUrl: web.database.url,
    logger: createLogger('silent'),
    migrate: false,
    role: 'worker',
  });
  workerDeps.push(deps);
  running.push(startWorkers(deps, { reconcileEveryMs: 3_600_000 }));
  return deps;
}

beforeAll(async () => {
  webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-web-policies-'));
  fs.cpSync(POLICIES_DIR, webDir, { recursive: true });
  web = await createDemoApp({ policiesDir: webDir, env: { LETHE_POLICY_POLL_MS: '60000' } });
  await workerProcess();
  await workerProcess();
}, 120_000);

afterAll(async () => {
  for (const r of running) await r.close();
  for (const d of workerDeps) {
    await d.policies.close();
    await d.queues.close();
    await d.db.destroy();
  }
  await web?.close();
  fs.rmSync(webDir, { recursive: true, force: true });
});

describe('one policy bundle for every process', () => {
  it('a hold reloaded through the UI of the web process reaches both workers, and the held subject is kept', async () => {
    const [subject] = await sql<{ id: number; email: string }>(
      web.urls.crm,
      'SELECT id, email FROM customers ORDER BY id LIMIT 1 OFFSET 11',
    );
    const fingerprint = web.deps.crypto.blindIndex(`email:${subject.email}`);
    const oldHash = web.deps.policies.hash();
    expect(workerDeps.map((d) => d.policies.hash())).toEqual([oldHash, oldHash]);

    fs.writeFileSync(
      path.join(webDir, 'retention.yaml'),
      fs.readFileSync(path.join(webDir, 'retention.yaml'), 'utf8').replace(ORIGINAL, fingerprint),
    );
    const admin = await signIn(web, 'admin');
    const page = await admin.agent.get('/policies');
    const reload = await admin.agent
      .post('/policies/reload')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(reload.status).toBe(303);
    const newHash = web.deps.policies.hash();
    expect(newHash).not.toBe(oldHash);

    // Notified through LISTEN/NOTIFY (the poll is a minute away), both workers adopt it.
    await until(
      async () => workerDeps.every((d) => d.policies.hash() === newHash),
      10_000,
      'workers to adopt the new bundle',
    );
    const activation = await web.deps
      .db('audit_log')
      .where({ action: 'policy.bundle.activated', target: `bundle:${newHash}` })
      .first();
    expect(activation.actor).toBe(`user:${admin.userId}`);

    // /readyz and the Policies page say which bundle each live process runs (each process records
    // it just after adopting the bundle).
    const rolesOnNewBundle = async () => {
      const ready = await request(web.app).get('/readyz');
      return ready.body.policy.processes
        .filter((p: { bundle: string }) => p.bundle === newHash)
        .map((p: { role: string }) => p.role)
        .sort();
    };
    await until(
      async () => (await rolesOnNewBundle()).length === 3,
      10_000,
      'every process to record the new bundle',
    ).catch(() => {});
    expect(await rolesOnNewBundle()).toEqual(['test', 'worker', 'worker']);
    const listed = await admin.agent.get('/policies');
    expect(listed.text.match(/data-testid="policy-process"/g)).toHaveLength(3);
    expect(listed.text).not.toContain('>behind<');

    const [a, b] = await officers(web);
    const svc = createRequestService(web.deps);
    const row = await svc.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: subject.email }, reference: 'HOLD-1' },
      a,
    );
    await svc.verify(row.id, { method: 'email_link', evidence: 'confirmed' }, a);
    const approved = await svc.approve(row.id, b);
    expect(approved.bundle_hash).toBe(newHash);
    // Since issue 9 a hold does not pause the request: it closes "part held", keeping the held rows.
    const held = await until(
      async () => {
        const r = await web.deps.db('requests').where({ id: row.id }).first();
        return ['part_held', 'completed', 'needs_attention'].includes(r.status) ? r : null;
      },
      60_000,
      'the worker to close the request',
    );
    expect({ status: held.status, error: held.last_error }).toEqual({ status: 'part_held', error: null });
    expect(
      await sql(web.urls.crm, 'SELECT 1 FROM customers WHERE id = $1 AND email = $2', [subject.id, subject.email]),
    ).toHaveLength(1);
    const steps = await web.deps.db('request_steps').where({ request_id: row.id });
    expect(steps.reduce((n, st) => n + st.rows_affected, 0)).toBe(0);
    expect(
      await web.deps.db('request_held_rows').where({ request_id: row.id, hold: 'lit_2026_021_customer_claim' }).first(),
    ).toBeTruthy();
  }, 120_000);

  it('a plan that would erase more under a bundle activated after the approval stops for re-approval by a second officer', async () => {
    for (const r of running.splice(0)) await r.close(); // the queue holds the job while the bundle changes
    const [subject] = await sql<{ email: string }>(
      web.urls.crm,
      'SELECT email FROM customers ORDER BY id LIMIT 1 OFFSET 3',
    );
    const [a, b] = await officers(web);
    const svc = createRequestService(web.deps);
    const row = await svc.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: subject.email }, reference: 'WIDER-1' },
      a,
    );
    await svc.verify(row.id, { method: 'email_link', evidence: 'confirmed' }, a);
    const approvedUnder = (await svc.approve(row.id, b)).bundle_hash;

    // Invoices kept for a day instead of ten years: more of the subject's rows would go.
    const file = path.join(webDir, 'deletion.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const kept = 'legal_basis: GDPR Art. 17(3)(b)\n    keep_for: P10Y';
    expect(text.split(kept)).toHaveLength(2);
    fs.writeFileSync(file, text.replace(kept, 'legal_basis: GDPR Art. 17(3)(b)\n    keep_for: P1D'));
    expect((await web.deps.policies.reload(web.deps.audit, 'system:test')).ok).toBe(true);

    const worker = await workerProcess();
    const stopped = await until(
      async () => {
        const r = await web.deps.db('requests').where({ id: row.id }).first();
        return r.status === 'needs_attention' ? r : null;
      },
      60_000,
      'the request to stop for re-approval',
    );
    expect(stopped.last_error).toContain('would erase more than the approved preview');
    expect(stopped.last_error).toContain('invoices_tax_records_gdpr');
    expect(
      await web.deps
        .db('request_steps')
        .where({ request_id: row.id })
        .whereNotNull('done_at')
        .count({ n: '*' })
        .first(),
    ).toEqual({ n: '0' });
    expect(worker.policies.hash()).not.toBe(approvedUnder);

    // Re-approval under the new bundle is an approval: not by the submitter.
    await expect(svc.retry(row.id, a)).rejects.toThrow(/Four-eyes|four_eyes/);
    const again = await svc.retry(row.id, b);
    expect(again.bundle_hash).toBe(web.deps.policies.hash());
  }, 120_000);
});

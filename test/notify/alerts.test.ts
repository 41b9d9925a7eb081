// Alerts (issue 18, point 6): policies/alerts.yaml routes events to a signed webhook and to email.
// A real HTTP receiver and a real SMTP server (smtp-server) take what the worker sends.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, POLICIES_DIR, signIn, type TestApp } from '../support/app';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { enqueue } from '../../jobs/job';
import { raiseAlert } from '../../server/notify/alerts';
import { signWebhook } from '../../server/notify/webhook';
import { loadBundle } from '../../server/policies/bundle';

const SECRET = crypto.randomBytes(24).toString('hex');
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}
const received: Received[] = [];
const answers: number[] = []; // statuses to answer next; 204 when empty
let receiver: http.Server;
let smtp: TestSmtp;
let t: TestApp;
let workers: RunningWorkers;
let dir: string;

const ALERTS = `apiVersion: lethe/v1
kind: AlertsPolicy
channels:
  - id: on_call
    type: webhook
    url_env: LETHE_ALERT_HOOK_URL
    secret_env: LETHE_ALERT_HOOK_SECRET
  - id: security_team
    type: email
    to: [security@lethe.test]
  - id: unconfigured
    type: webhook
    url_env: LETHE_ALERT_MISSING_URL
    secret_env: LETHE_ALERT_HOOK_SECRET
routes:
  - event: finding.opened
    min_severity: critical
    channels: [on_call, security_team]
  - event: audit_log.chain_broken
    channels: [on_call]
  - event: job.failed
    channels: [on_call]
  - event: request.at_risk
    channels: [unconfigured]
`;

async function until<T>(fn: () => Promise<T> | T, ms: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      res.writeHead(answers.shift() ?? 204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  smtp = await startSmtp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-alerts-'));
  fs.cpSync(POLICIES_DIR, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'alerts.yaml'), ALERTS);
  t = await createTestApp({
    policiesDir: dir,
    env: {
      LETHE_ALERT_HOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/lethe`,
      LETHE_ALERT_HOOK_SECRET: SECRET,
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://lethe.example.test',
    },
  });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
}, 120_000);

afterAll(async () => {
  await workers?.close();
  await t?.close();
  await smtp?.close();
  await new Promise((r) => receiver?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

const verified = (r: Received) =>
  r.headers['x-lethe-signature'] === signWebhook(SECRET, String(r.headers['x-lethe-timestamp']), r.body);

describe('alerts', () => {
  it('a critical finding reaches the webhook correctly signed within 5 s, and the mailbox; a second run alerts nobody again', async () => {
    for (let i = 0; i < 3; i++)
      await t.deps.audit.append({ actor: 'system:test', action: 'test.tamper', details: { i } });
    const victim = await t.deps.db('audit_log').where({ action: 'test.tamper' }).orderBy('seq').offset(1).first();
    await t.deps.db.transaction(async (trx) => {
      await trx.raw('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
      await trx('audit_log')
        .where({ seq: victim.seq })
        .update({ details: JSON.stringify({ i: 99 }) });
      await trx.raw('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete');
    });
    await enqueue(t.deps, 'audit', 'chain-1', { audit: 'audit_log_chain', schedule: 'manual', tickAt: null });
    const run = await until(
      () => t.deps.db('audit_runs').where({ job_id: 'chain-1' }).whereNotNull('finished_at').first(),
      30_000,
      'the chain audit to finish',
    );
    const hooks = await until(
      () => (received.length >= 2 ? received.slice(0, 2) : null),
      30_000,
      'two webhook deliveries',
    );
    for (const h of hooks) {
      expect(verified(h)).toBe(true);
      expect(h.at - new Date(run.finished_at).getTime()).toBeLessThan(5_000);
    }
    const bodies = hooks.map((h) => JSON.parse(h.body));
    expect(bodies.map((b) => b.event).sort()).toEqual(['audit_log.chain_broken', 'finding.opened']);
    const opened = bodies.find((b) => b.event === 'finding.opened');
    expect(opened).toMatchObject({ severity: 'critical', bundleHash: t.deps.policies.hash() });
    expect(opened.title).toContain(`entry ${victim.seq}`);
    expect(opened.links[0].href).toMatch(/^https:\/\/lethe\.example\.test\/findings\/[0-9a-f-]{36}$/);
    expect(hooks[0].headers['content-type']).toBe('application/json');

    const mail = await smtp.waitFor('security@lethe.test', 15_000);
    expect(mail.subject).toContain('[Lethe critical]');
    expect(mail.text).toContain('https://lethe.example.test/findings/');
    await until(
      async () => (await t.deps.db('alert_deliveries').where({ status: 'delivered' })).length === 3,
      15_000,
      'three deliveries recorded as delivered',
    );

    // The same broken entry found again is the same finding: nobody is alerted twice.
    await enqueue(t.deps, 'audit', 'chain-2', { audit: 'audit_log_chain', schedule: 'manual', tickAt: null });
    await until(
      () => t.deps.db('audit_runs').where({ job_id: 'chain-2' }).whereNotNull('finished_at').first(),
      30_000,
      'the second chain audit',
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(received).toHaveLength(2);
    expect(await t.deps.db('alert_deliveries').count({ n: '*' }).first()).toEqual({ n: '3' });
  }, 90_000);

  it('a receiver that answers 500 twice gets the third retry, and the delivery log shows three attempts', async () => {
    const before = received.length;
    answers.push(500, 500);
    expect(
      await raiseAlert(t.deps, {
        event: 'finding.opened',
        key: 'retry-test',
        severity: 'critical',
        title: 'Retry test',
        links: [{ label: 'findings', href: '/findings' }],
      }),
    ).toBe(2);
    const row = await until(
      async () => {
        const r = await t.deps
          .db('alert_deliveries')
          .where({ dedupe_key: 'finding.opened:retry-test', channel: 'on_call' })
          .first();
        return r?.status === 'delivered' ? r : null;
      },
      40_000,
      'the webhook delivery to succeed',
    );
    const tries = received.slice(before).filter((r) => r.headers['x-lethe-delivery'] === row.id);
    expect(tries).toHaveLength(3);
    expect(tries.every(verified)).toBe(true);
    expect(row).toMatchObject({ attempts: 3, last_status: 204, last_error: null });
    expect(tries[2].at - tries[0].at).toBeGreaterThan(2_000); // backed off, not hammered

    const officer = await signIn(t, 'compliance_officer');
    const page = await officer.agent.get('/alerts');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-testid="alert-${row.id}"`);
    expect(page.text).toContain('Retry test');
  }, 60_000);

  it('a job out of retries raises job.failed with ids only', async () => {
    const before = received.length;
    await enqueue(t.deps, 'audit', 'no-such-kind', { audit: 'no_such_audit', schedule: 'manual', tickAt: null });
    const hook = await until(
      () => received.slice(before).find((r) => JSON.parse(r.body).event === 'job.failed'),
      30_000,
      'the job.failed alert',
    );
    const body = JSON.parse(hook.body);
    expect(body.title).toMatch(/^Job audit no-such-kind failed after \d+ attempts?$/);
    expect(body.links).toEqual([{ label: 'job console', href: 'https://lethe.example.test/jobs' }]);
  }, 60_000);

  it('a channel whose address is not set fails at once, naming the variable, without a retry', async () => {
    await raiseAlert(t.deps, {
      event: 'request.at_risk',
      key: 'request:00000000-0000-4000-8000-000000000000',
      title: 'Request 00000000 is due soon',
      links: [],
    });
    const row = await until(
      async () => {
        const r = await t.deps.db('alert_deliveries').where({ channel: 'unconfigured' }).first();
        return r?.status === 'failed' ? r : null;
      },
      20_000,
      'the delivery to fail',
    );
    expect(row.last_error).toContain('LETHE_ALERT_MISSING_URL is not set');
    expect(row.attempts).toBe(0);
  }, 30_000);

  it('lethe policy check refuses a route to a channel that does not exist, at its line', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-alerts-bad-'));
    fs.cpSync(POLICIES_DIR, bad, { recursive: true });
    fs.writeFileSync(
      path.join(bad, 'alerts.yaml'),
      ALERTS.replace('channels: [on_call]\n  - event: job.failed', 'channels: [on_cal]\n  - event: job.failed'),
    );
    const result = await loadBundle(bad);
    fs.rmSync(bad, { recursive: true, force: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toContainEqual(
      expect.objectContaining({ file: 'alerts.yaml', line: 20, message: 'unknown channel "on_cal": not in channels' }),
    );
  });
});

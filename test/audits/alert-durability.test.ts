// An audit run owes its alerts from the moment its findings commit. A worker killed with SIGKILL
// after that commit and before its after-run hook raised them must not lose them: the job's retry
// (which finds the run finished) or the reconciler raises them, once.
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { alertOnRun, raiseOwedAlerts } from '../../server/audits/alerts-hook';
import { runAudit } from '../../server/audits/runs';

let t: TestApp;
let smtp: TestSmtp;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  smtp = await startSmtp();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://lethe.example.test' } });
}, 90_000);
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await t?.close();
  await smtp?.close();
});

async function until<T>(fn: () => Promise<T>, ms: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'jobs/worker.ts'], {
    env: { ...process.env, ...t.env, LETHE_RECONCILE_INTERVAL_MS: '500', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.push(child);
  return child;
}

/** Breaks the audit-log chain at a fresh entry (the trigger refusing updates is lifted for it). */
async function tamper(tag: string): Promise<number> {
  for (let i = 0; i < 2; i++)
    await t.deps.audit.append({ actor: 'system:test', action: `test.${tag}`, details: { i } });
  const victim = await t.deps
    .db('audit_log')
    .where({ action: `test.${tag}` })
    .orderBy('seq')
    .first();
  await t.deps.db.transaction(async (trx) => {
    await trx.raw('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
    await trx('audit_log')
      .where({ seq: victim.seq })
      .update({ details: JSON.stringify({ i: 99 }) });
    await trx.raw('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete');
  });
  return Number(victim.seq);
}
async function untamper(seq: number) {
  await t.deps.db.transaction(async (trx) => {
    await trx.raw('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
    await trx('audit_log')
      .where({ seq })
      .update({ details: JSON.stringify({ i: 0 }) });
    await trx.raw('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete');
  });
}

const deliveriesFor = (findingId: string) =>
  t.deps
    .db('alert_deliveries')
    .whereIn('dedupe_key', [`finding.opened:${findingId}`, `audit_log.chain_broken:${findingId}`]);

describe('alerts of a run whose worker died', () => {
  it('a worker killed with SIGKILL after the run committed and before the alerts were raised: the next worker raises them, once', async () => {
    const seq = await tamper('kill');
    // Block every insert into the delivery log: the run commits, then its hook waits here.
    const blocker = new pg.Client({ connectionString: t.env.DATABASE_URL });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE alert_deliveries IN EXCLUSIVE MODE');
    const blockerPid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

    const first = startWorker();
    await t.deps.jobs.enqueue('audit', 'chain-killed', { audit: 'audit_log_chain', schedule: 'manual', tickAt: null });
    const run = await until(
      () => t.deps.db('audit_runs').where({ job_id: 'chain-killed' }).whereNotNull('finished_at').first(),
      60_000,
      'the run to commit',
    );
    expect(run).toMatchObject({ status: 'failed', alerts_raised_at: null });
    expect(run.alert_findings).toHaveLength(1);
    const finding = await t.deps
      .db('findings')
      .where({ kind: 'audit_log_chain', key: `broken:${seq}` })
      .first();
    expect(run.alert_findings[0]).toEqual({ id: finding.id, change: 'opened' });
    // The worker is inside its after-run hook, waiting on the delivery log.
    await until(
      async () =>
        (await blocker.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [blockerPid]))
          .rowCount,
      30_000,
      'the after-run hook to wait on the delivery log',
    );
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    // Its server-side statements die with it (as they would with the connection) before the lock goes.
    await blocker.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
      [blockerPid],
    );
    await blocker.query('ROLLBACK');
    await blocker.end();
    expect(await deliveriesFor(finding.id)).toHaveLength(0);
    expect((await t.deps.db('audit_runs').where({ id: run.id }).first()).alerts_raised_at).toBeNull();

    startWorker();
    await until(
      async () => (await t.deps.db('audit_runs').where({ id: run.id }).first()).alerts_raised_at,
      60_000,
      'the owed alerts to be raised',
    );
    const rows = await deliveriesFor(finding.id);
    expect(rows.map((r) => r.event).sort()).toEqual(['audit_log.chain_broken', 'finding.opened']);
    const mail = await smtp.waitFor('compliance-alerts@lethe.example', 30_000);
    expect(mail.text).toContain(`https://lethe.example.test/findings/${finding.id}`);
    // Raised again (another reconciler pass), nothing is delivered twice.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await deliveriesFor(finding.id)).toHaveLength(2);
    await untamper(seq);
    for (const w of workers.splice(0)) {
      if (w.exitCode !== null || w.signalCode !== null) continue;
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGKILL');
      await exited;
    }
  }, 180_000);

  it('a retry that finds its run finished raises what the run still owes; the reconciler raises the rest; both only once', async () => {
    const seq = await tamper('retry');
    const spec = {
      kind: 'audit_log_chain',
      schedule: 'manual',
      tickAt: null,
      jobId: 'chain-retry',
      triggeredBy: 'system:test',
    };
    // The first attempt commits and dies before its hook (no hook ran).
    const first = await runAudit(t.deps, spec);
    expect(first.skipped).toBe(false);
    const [f] = await t.deps.db('findings').where({ kind: 'audit_log_chain', key: `broken:${seq}` });
    expect(await deliveriesFor(f.id)).toHaveLength(0);
    // The retry finds the run finished: it does not run the audit again, but raises the alerts.
    const retry = await runAudit(t.deps, spec, { afterRun: (run, found) => alertOnRun(t.deps, run, found) });
    expect(retry.skipped).toBe(true);
    expect(await deliveriesFor(f.id)).toHaveLength(2);
    expect((await t.deps.db('audit_runs').where({ job_id: 'chain-retry' }).first()).alerts_raised_at).not.toBeNull();
    expect(await runAudit(t.deps, spec, { afterRun: (run, found) => alertOnRun(t.deps, run, found) })).toMatchObject({
      skipped: true,
    });
    expect(await deliveriesFor(f.id)).toHaveLength(2);

    // Another run (the same broken entry, now reopened after remediation) whose hook never ran:
    await t.deps.db('findings').where({ id: f.id }).update({ status: 'remediated' });
    const second = await runAudit(t.deps, { ...spec, jobId: 'chain-retry-2' });
    expect(second.run.alert_findings).toEqual([{ id: f.id, change: 'reopened' }]);
    expect(await raiseOwedAlerts(t.deps)).toBeGreaterThanOrEqual(1);
    const reopenedKey = `finding.opened:${f.id}:reopened:${second.run.id}`;
    expect(await t.deps.db('alert_deliveries').where({ dedupe_key: reopenedKey })).toHaveLength(1);
    expect(await raiseOwedAlerts(t.deps)).toBe(0);
    expect(await t.deps.db('alert_deliveries').where({ dedupe_key: reopenedKey })).toHaveLength(1);
    await untamper(seq);
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoApp, sql, until, type DemoApp } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { enqueue } from '../../jobs/job';
import { createRequestService } from '../../server/requests/service';

let t: DemoApp;
let workers: RunningWorkers;
beforeAll(async () => {
  t = await createDemoApp();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
});

async function runAudit(kind: string) {
  const jobId = `manual-${kind}`;
  await enqueue(t.deps, 'audit', jobId, { audit: kind, schedule: 'manual', tickAt: new Date().toISOString() });
  return until(
    () =>
      t.deps
        .db('audit_log')
        .where('action', 'like', `audit.${kind}.%`)
        .whereRaw(`details->>'jobId' = ?`, [jobId])
        .first(),
    30_000,
    kind,
  );
}

describe('scheduled audits', () => {
  it('overdue_requests fails naming every request past its deadline', async () => {
    const service = createRequestService(t.deps);
    const who = { kind: 'user' as const, id: 'user:audit-test', role: 'compliance_officer', name: 'x' };
    const late = await service.create(
      { type: 'access', regulation: 'lgpd', identity: { email: 'late@example.com' }, reference: '' },
      who,
      new Date(Date.now() - 20 * 86_400_000),
    );
    await service.create(
      { type: 'access', regulation: 'gdpr', identity: { email: 'fresh@example.com' }, reference: '' },
      who,
    );
    const entry = await runAudit('overdue_requests');
    expect(entry.action).toBe('audit.overdue_requests.failed');
    expect(entry.details.overdue.map((r: { id: string }) => r.id)).toEqual([late.id]);
  });

  // Issue 18 turned the sweep from counting into enforcing: it counts what is due exactly as SQL
  // does (before it acts), then deletes it (or stops at the first-run guard), and still notes what
  // it cannot measure.
  it('retention_sweep counts rows past their keep-for period exactly as SQL does, enforces them, and notes what it cannot measure', async () => {
    const [{ n }] = await sql<{ n: string }>(
      t.urls.analytics,
      `SELECT count(*) AS n FROM events WHERE occurred_at + interval '13 months' < now()`,
    );
    const [{ n: closed }] = await sql<{ n: string }>(
      t.urls.crm,
      `SELECT count(*) AS n FROM customers WHERE closed_at + interval '3 years' < now()`,
    );
    const entry = await runAudit('retention_sweep');
    const events = entry.details.rules.find((r: { rule: string }) => r.rule === 'analytics_events');
    expect(events.due).toBe(Number(n));
    expect(events.changed).toBe(events.stopped ? 0 : Number(n));
    const [{ n: after }] = await sql<{ n: string }>(
      t.urls.analytics,
      `SELECT count(*) AS n FROM events WHERE occurred_at + interval '13 months' < now()`,
    );
    expect(Number(after)).toBe(Number(n) - events.changed);
    expect(entry.details.totalDue).toBeGreaterThanOrEqual(Number(n));
    expect(entry.action).toBe(entry.details.ok ? 'audit.retention_sweep.passed' : 'audit.retention_sweep.failed');
    // Counted from the event account_closed, which the data map records in customers.closed_at.
    const byEvent = entry.details.rules.find((r: { rule: string }) => r.rule === 'closed_customer_accounts');
    expect(byEvent.due).toBe(Number(closed));
    // The addresses have no column for the event: noted, not guessed.
    const unmapped = entry.details.rules.find((r: { rule: string }) => r.rule === 'closed_customer_addresses');
    expect(unmapped.due).toBeNull();
    expect(unmapped.note).toContain('account_closed');
    // The sweep asks the same heldBy() as the erasure: the tickets under LIT-2026-014 are held, not changed.
    const tickets = entry.details.rules.find((r: { rule: string }) => r.rule === 'support_tickets');
    expect(tickets).toMatchObject({
      held: tickets.due,
      changed: 0,
      note: 'legal hold lit_2026_014_support_tickets (LIT-2026-014)',
    });
  });

  it('reid_snapshots starts a measurement per training snapshot, or says why it cannot', async () => {
    const entry = await runAudit('reid_snapshots');
    const snapshots = t.deps.policies
      .current()
      .datamap.systems.flatMap((sys) =>
        sys.datasets.filter((d) => d.kind === 'training_snapshot').map((d) => `${sys.name}.${d.name}`),
      );
    const covered = [
      ...entry.details.started.map((x: { dataset: string }) => x.dataset),
      ...entry.details.skipped.map((x: { dataset: string }) => x.dataset),
    ];
    expect(covered.sort()).toEqual(snapshots.sort());
    for (const s of entry.details.started)
      expect(await t.deps.db('reid_runs').where({ id: s.runId }).first()).toBeTruthy();
    for (const s of entry.details.skipped) expect(s.reason).toContain('quasi-identifier');
  });
});

describe('housekeeping', () => {
  it('purges expired sessions and lapsed login throttles, and keeps live ones', async () => {
    const { housekeep } = await import('../../jobs/reconciler');
    const past = new Date(Date.now() - 86_400_000);
    await t.deps.db('sessions').insert([
      { sid: 'expired', sess: '{}', expires_at: past },
      { sid: 'live', sess: '{}', expires_at: new Date(Date.now() + 3_600_000) },
    ]);
    await t.deps.db('login_throttle').insert([
      { key: 'account:old', attempts: 3, window_started_at: past },
      { key: 'account:new', attempts: 3, window_started_at: new Date() },
    ]);
    expect(await housekeep(t.deps)).toEqual({ sessions: 1, throttles: 1, exports: 0 });
    expect(await t.deps.db('sessions').pluck('sid')).toEqual(['live']);
    expect(await t.deps.db('login_throttle').pluck('key')).toEqual(['account:new']);
  });
});

describe('scheduled audits are recoverable and recorded once', () => {
  it('a tick whose job was lost is re-enqueued by the reconciler, and a rerun records nothing twice', async () => {
    const { reconcileOnce } = await import('../../jobs/reconciler');
    const { tickJobId } = await import('../../jobs/scheduler');
    const schedule = t.deps.policies.current().schedules.find((s) => s.audit === 'overdue_requests')!;
    const at = new Date();
    const jobId = tickJobId(schedule.name, at);
    // The tick was claimed, then the process died before enqueueing.
    await t.deps.db('schedule_ticks').insert({
      schedule: schedule.name,
      tick_at: new Date(Math.floor(at.getTime() / 60_000) * 60_000),
      job_id: jobId,
      bundle_hash: t.deps.policies.hash(),
    });
    expect(await reconcileOnce(t.deps)).toBeGreaterThanOrEqual(1);
    await until(
      () => t.deps.db('audit_log').whereRaw(`details->>'jobId' = ?`, [jobId]).first(),
      30_000,
      'recovered tick',
    );
    await enqueue(t.deps, 'audit', `${jobId}`, {
      audit: schedule.audit,
      schedule: schedule.name,
      tickAt: at.toISOString(),
    }).catch(() => {});
    const job = await until(
      async () => {
        const j = await t.deps.queues.getJob('audit', jobId);
        return j && (await j.getState()) === 'completed' ? j : null;
      },
      30_000,
      'rerun',
    );
    expect(job).toBeTruthy();
    expect(await t.deps.db('audit_log').whereRaw(`details->>'jobId' = ?`, [jobId]).count({ n: '*' })).toEqual([
      { n: '1' },
    ]);
  });
});

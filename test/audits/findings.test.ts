import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { runAudit } from '../../server/audits/runs';
import { changeFinding } from '../../server/audits/commands';
import { AUDIT_KINDS } from '../../server/policies/audit-kinds';
import { AUDIT_HANDLERS } from '../../server/audits/kinds';
import { schedulesFileSchema } from '../../server/policies/schemas/schedules';
import { createRequestService } from '../../server/requests/service';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

let n = 0;
const run = (kind: string) =>
  runAudit(t.deps, {
    kind,
    schedule: 'manual',
    tickAt: null,
    jobId: `test-${kind}-${++n}`,
    triggeredBy: 'system:test',
  });
const officer = 'user:officer-test';

async function plantOverdueRequest() {
  const who = { kind: 'user' as const, id: 'user:audit-test', role: 'compliance_officer', name: 'x' };
  return createRequestService(t.deps).create(
    { type: 'access', regulation: 'lgpd', identity: { email: `late-${n}@example.com` }, reference: '' },
    who,
    new Date(Date.now() - 20 * 86_400_000),
  );
}

describe('one registry of audit kinds', () => {
  it('the schedules schema accepts every registered kind and rejects any other', () => {
    const file = (audit: string) => ({
      apiVersion: 'lethe/v1',
      kind: 'Schedules',
      schedules: [{ name: 'x', cron: '* * * * *', audit, description: 'd' }],
    });
    for (const kind of AUDIT_KINDS) expect(schedulesFileSchema.safeParse(file(kind)).success, kind).toBe(true);
    expect(schedulesFileSchema.safeParse(file('no_such_audit')).success).toBe(false);
  });

  it('every registered kind has a handler, and every handler a registered kind', () => {
    expect(Object.keys(AUDIT_HANDLERS).sort()).toEqual([...AUDIT_KINDS].sort());
  });

  it('a run of an unknown kind is refused before anything is recorded', async () => {
    await expect(run('no_such_audit')).rejects.toThrow(/no_such_audit/);
    expect(await t.deps.db('audit_runs').where({ kind: 'no_such_audit' }).first()).toBeUndefined();
  });
});

describe('audit runs and findings', () => {
  it('a run is a row with its kind, bundle, times, status and summary, and an audit entry naming it', async () => {
    const r = await run('audit_log_chain');
    expect(r.skipped).toBe(false);
    const row = await t.deps.db('audit_runs').where({ id: r.run.id }).first();
    expect(row).toMatchObject({
      kind: 'audit_log_chain',
      schedule: 'manual',
      status: 'passed',
      bundle_hash: t.deps.policies.hash(),
      dry_run: false,
    });
    expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    expect(typeof row.summary.entries).toBe('number');
    const entry = await t.deps.db('audit_log').whereRaw(`details->>'runId' = ?`, [r.run.id]).first();
    expect(entry.action).toBe('audit.audit_log_chain.passed');
  });

  it('the same job id runs once: a rerun is skipped and records nothing twice', async () => {
    const spec = {
      kind: 'audit_log_chain',
      schedule: 'manual',
      tickAt: null,
      jobId: 'fixed-job',
      triggeredBy: 'system:test',
    };
    const first = await runAudit(t.deps, spec);
    const second = await runAudit(t.deps, spec);
    expect(second).toMatchObject({ skipped: true, run: { id: first.run.id } });
    expect(await t.deps.db('audit_log').whereRaw(`details->>'jobId' = 'fixed-job'`).count({ n: '*' })).toEqual([
      { n: '1' },
    ]);
  });

  it('a planted overdue request opens one finding; found again it is updated, not duplicated', async () => {
    const late = await plantOverdueRequest();
    const first = await run('overdue_requests');
    expect(first.skipped).toBe(false);
    const row = await t.deps
      .db('findings')
      .where({ kind: 'overdue_requests', key: `request:${late.id}` })
      .first();
    expect(row).toMatchObject({ severity: 'high', status: 'open', occurrences: 1, first_run_id: first.run.id });
    expect(row.evidence).toEqual([{ label: `request ${late.id}`, href: `/requests/${late.id}` }]);
    expect(JSON.stringify(row)).not.toContain('@example.com');
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'finding.opened', target: `finding:${row.id}` })
        .first(),
    ).toBeTruthy();

    const second = await run('overdue_requests');
    const again = await t.deps.db('findings').where({ kind: 'overdue_requests', key: `request:${late.id}` });
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: row.id, occurrences: 2, last_run_id: second.run.id, status: 'open' });
    expect(again[0].last_seen_at.getTime()).toBeGreaterThan(row.last_seen_at.getTime());
  });

  it('a remediated finding that reappears reopens, with an audit entry saying why', async () => {
    const late = await plantOverdueRequest();
    await run('overdue_requests');
    const f = await t.deps
      .db('findings')
      .where({ kind: 'overdue_requests', key: `request:${late.id}` })
      .first();
    await changeFinding(t.deps, f.id, { action: 'acknowledge' }, officer);
    await changeFinding(t.deps, f.id, { action: 'remediate', note: 'escalated' }, officer);
    expect((await t.deps.db('findings').where({ id: f.id }).first()).status).toBe('remediated');
    await run('overdue_requests');
    const row = await t.deps.db('findings').where({ id: f.id }).first();
    expect(row).toMatchObject({ status: 'open', reopened: 1, occurrences: 2 });
    const actions = await t.deps
      .db('audit_log')
      .where({ target: `finding:${f.id}` })
      .orderBy('seq')
      .pluck('action');
    expect(actions).toEqual(['finding.opened', 'finding.acknowledge', 'finding.remediate', 'finding.reopened']);
    const reopened = await t.deps
      .db('audit_log')
      .where({ target: `finding:${f.id}`, action: 'finding.reopened' })
      .first();
    expect(reopened.details).toMatchObject({ from: 'remediated', reason: 'found again after remediation' });
  });

  it('an accepted risk stays accepted until its expiry, then reopens', async () => {
    const late = await plantOverdueRequest();
    await run('overdue_requests');
    const f = await t.deps
      .db('findings')
      .where({ kind: 'overdue_requests', key: `request:${late.id}` })
      .first();
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await changeFinding(
      t.deps,
      f.id,
      { action: 'accept_risk', justification: 'Regulator agreed an extension in writing', until },
      officer,
    );
    await run('overdue_requests');
    expect(await t.deps.db('findings').where({ id: f.id }).first()).toMatchObject({
      status: 'risk_accepted',
      occurrences: 2,
      justification: 'Regulator agreed an extension in writing',
    });
    // The expiry passes (moved back in the row: the clock is Postgres's CURRENT_DATE).
    await t.deps.db('findings').where({ id: f.id }).update({ accepted_until: '2020-01-01' });
    await run('audit_log_chain'); // any run reopens expired acceptances, not only the kind that found it
    const row = await t.deps.db('findings').where({ id: f.id }).first();
    expect(row).toMatchObject({ status: 'open', justification: null, accepted_until: null, reopened: 1 });
    const entry = await t.deps
      .db('audit_log')
      .where({ target: `finding:${f.id}`, action: 'finding.reopened' })
      .first();
    expect(entry.details.reason).toBe('risk acceptance expired');
  });

  it('refuses moves the status does not allow and risk acceptance without a reason or a future date', async () => {
    const late = await plantOverdueRequest();
    await run('overdue_requests');
    const f = await t.deps
      .db('findings')
      .where({ kind: 'overdue_requests', key: `request:${late.id}` })
      .first();
    await expect(changeFinding(t.deps, f.id, { action: 'reopen' }, officer)).rejects.toThrow(
      'A finding that is open cannot be reopened.',
    );
    const { findingChangeSchema } = await import('../../server/audits/commands');
    const bad = findingChangeSchema.safeParse({ action: 'accept_risk', justification: 'no', until: '2020-01-01' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.message).sort()).toEqual([
      'Say why the risk is accepted (at least 10 characters)',
      'The expiry date must be in the future',
    ]);
  });

  it('a dry run records the run but changes no finding', async () => {
    const late = await plantOverdueRequest();
    const r = await runAudit(t.deps, {
      kind: 'overdue_requests',
      schedule: 'cli',
      tickAt: null,
      jobId: 'dry-1',
      dryRun: true,
      triggeredBy: 'system:test',
    });
    expect(r.skipped).toBe(false);
    expect(r.run).toMatchObject({ dry_run: true, status: 'failed', findings_opened: 0 });
    expect(
      await t.deps
        .db('findings')
        .where({ key: `request:${late.id}` })
        .first(),
    ).toBeUndefined();
  });

  it('a kind that acts as it measures has no dry run', async () => {
    await expect(
      runAudit(t.deps, {
        kind: 'use_case_triggers',
        schedule: 'cli',
        tickAt: null,
        jobId: 'dry-2',
        dryRun: true,
        triggeredBy: 'system:test',
      }),
    ).rejects.toThrow('has no dry-run mode');
  });
});

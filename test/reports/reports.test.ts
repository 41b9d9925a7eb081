import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, createUser, type TestApp } from '../support/app';
import { seedAuditLog, seedReidRuns, seedRequests } from '../../bench/report-data';
import { issue, pdfText, renderPages } from './helpers';

const from = new Date('2026-07-01T00:00:00Z');
const period = { from: '2026-07-01', to: '2026-09-30' };
const num = (v: unknown) => Number(v).toLocaleString('en');

describe('reports', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp();
    token = await apiToken(t, 'compliance_officer');
    const o = { from: new Date('2026-06-01T00:00:00Z'), days: 150, requests: 400, auditEntries: 600, reidRuns: 40 };
    await seedRequests(t.deps.db, o);
    await seedReidRuns(t.deps.db, o);
    await seedAuditLog(t.deps.db, t.deps.crypto, t.deps.policies.hash(), o);
    // Board decisions on AI use cases: two in the period, one after it.
    const owner = await createUser(t, 'data_steward');
    for (const [i, at] of ['2026-08-10T10:00:00Z', '2026-09-01T10:00:00Z', '2026-10-05T10:00:00Z'].entries()) {
      const [uc] = await t.deps
        .db('use_cases')
        .insert({ title: `uc ${i}`, owner_id: owner.id, purpose: 'p', created_by: `user:${owner.id}` })
        .returning('id');
      await t.deps.db('use_case_decisions').insert({
        use_case_id: uc.id,
        version: 1,
        outcome: 'approved',
        votes: '[]',
        tier: 'limited',
        rules_fired: '[]',
        bundle_hash: 'b',
        decided_at: new Date(at),
      });
    }
  }, 120_000);
  afterAll(() => t?.close());

  it('quarterly report › shows the figures the database holds for the period', async () => {
    const { pdf } = await issue(t, token, { kind: 'quarterly', ...period });
    const pages = renderPages(pdf, 'quarterly');
    expect(pages).toBeGreaterThan(3);
    const text = pdfText(pdf);
    const db = t.deps.db;
    const start = from;
    const end = new Date('2026-10-01T00:00:00Z');
    const [{ n: received }] = (
      await db.raw(`SELECT count(*) AS n FROM requests WHERE received_at >= ? AND received_at < ?`, [start, end])
    ).rows;
    const [{ n: closed, med, p95 }] = (
      await db.raw(
        `SELECT count(*) AS n, percentile_disc(0.5) WITHIN GROUP (ORDER BY 1) AS x,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - received_at)) / 86400 AS med,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - received_at)) / 86400 AS p95
           FROM requests WHERE completed_at >= ? AND completed_at < ?`,
        [start, end],
      )
    ).rows;
    const [{ n: breaches }] = (
      await db.raw(
        `SELECT count(*) AS n FROM requests WHERE due_at >= ? AND due_at < ? AND coalesce(completed_at, now()) > due_at`,
        [start, end],
      )
    ).rows;
    const [{ n: ext }] = (
      await db.raw(`SELECT count(*) AS n FROM requests WHERE extended_at >= ? AND extended_at < ?`, [start, end])
    ).rows;
    const [{ p: passed, f: failed }] = (
      await db.raw(
        `SELECT count(*) FILTER (WHERE passed) AS p, count(*) FILTER (WHERE NOT passed) AS f FROM reid_runs WHERE finished_at >= ? AND finished_at < ?`,
        [start, end],
      )
    ).rows;
    const [{ n: bundles }] = (
      await db.raw(
        `SELECT count(*) AS n FROM audit_log WHERE action = 'policy.bundle.activated' AND at >= ? AND at < ?`,
        [start, end],
      )
    ).rows;
    const [{ n: crm }] = (
      await db.raw(
        `SELECT coalesce(sum(rows_affected), 0) AS n FROM request_steps s JOIN requests r ON r.id = s.request_id WHERE s.system = 'crm' AND r.type = 'erasure' AND r.completed_at >= ? AND r.completed_at < ?`,
        [start, end],
      )
    ).rows;
    expect(Number(received)).toBeGreaterThan(100);
    expect(text).toMatch(new RegExp(`Requests received\\s+${num(received)}\\n`));
    expect(text).toMatch(new RegExp(`Requests closed\\s+${num(closed)}\\n`));
    expect(text).toContain(
      `Median time to close                ${Number(med).toFixed(1)} days`
        .replace(/ {2,}/, ' ')
        .split(' ')
        .slice(-2)
        .join(' '),
    );
    expect(text).toMatch(new RegExp(`Median time to close\\s+${Number(med).toFixed(1)} days`));
    expect(text).toMatch(new RegExp(`95th percentile time to close\\s+${Number(p95).toFixed(1)} days`));
    expect(text).toMatch(new RegExp(`Deadline breaches\\s+${num(breaches)}\\n`));
    expect(text).toMatch(new RegExp(`Extensions granted\\s+${num(ext)}\\n`));
    expect(text).toMatch(
      new RegExp(
        `Re-identification tests\\s+${num(Number(passed) + Number(failed))} \\(${num(passed)} passed, ${num(failed)} failed\\)`,
      ),
    );
    expect(text).toMatch(new RegExp(`Policy bundle changes\\s+${num(bundles)}\\n`));
    expect(text).toMatch(new RegExp(`crm\\s+\\d+\\s+${num(crm)}\\s`));
    expect(text).toContain(
      'Source: requests with received_at in the period, 2026-07-01 to 2026-09-30 (inclusive, UTC).',
    );
    const [{ n: decided }] = (
      await db.raw(`SELECT count(*) AS n FROM use_case_decisions WHERE decided_at >= ? AND decided_at < ?`, [
        start,
        end,
      ])
    ).rows;
    expect(Number(decided)).toBe(2);
    expect(text).toMatch(new RegExp(`approved \\(limited risk\\)\\s+${decided}\\n`));
  });

  it('audit-log extract › lists every entry of the period with the chain verification', async () => {
    const { id, pdf } = await issue(t, token, { kind: 'audit_log', ...period });
    const pages = renderPages(pdf, 'audit-log');
    expect(pages).toBeGreaterThan(2);
    const text = pdfText(pdf);
    const [{ n, first, last }] = (
      await t.deps.db.raw(
        `SELECT count(*) AS n, min(seq) AS first, max(seq) AS last FROM audit_log WHERE at >= ? AND at < ?`,
        [from, new Date('2026-10-01T00:00:00Z')],
      )
    ).rows;
    expect(Number(n)).toBeGreaterThan(100);
    expect(text).toContain('Chain intact');
    expect(text).toMatch(new RegExp(`Entries\\s+${num(n)}\\n`));
    expect(text).toMatch(new RegExp(`First entry\\s+${num(first)}\\n`));
    expect(text).toMatch(new RegExp(`Last entry\\s+${num(last)}\\n`));
    expect(text).toContain(`Report id                ${id}`.replace(/ +/, ' ').split(' ').pop());
    // every entry of the period appears in the listing, once
    const seqs = [...text.matchAll(/^\s*(\d+)\s+2026-\d\d-\d\d \d\d:\d\d:\d\d/gm)].map((m) => Number(m[1]));
    expect(seqs.length).toBe(Number(n));
    expect(seqs[0]).toBe(Number(first));
    expect(text).toMatch(/page 1 of \d+/);
  });

  it('audit-run report › shows what the run checked and found', async () => {
    const run = await t.deps
      .db('audit_log')
      .where('action', 'audit.retention_sweep.failed')
      .orderBy('seq', 'desc')
      .first();
    const { pdf } = await issue(t, token, { kind: 'audit_run', run: String(run.seq) });
    const pages = renderPages(pdf, 'audit-run');
    expect(pages).toBeGreaterThanOrEqual(2);
    const text = pdfText(pdf);
    expect(text).toContain('Failed: findings below');
    expect(text).toMatch(new RegExp(`checked\\s+${run.details.checked}\\n`));
    expect(text).toContain(run.hash);
  });
});

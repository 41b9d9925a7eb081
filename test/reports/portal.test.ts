import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, csrfFrom, signIn, type TestApp } from '../support/app';
import { startWorkers } from '../../jobs/worker';
import { seedAuditLog } from '../../bench/report-data';

describe('reports portal and job', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await seedAuditLog(t.deps.db, t.deps.crypto, t.deps.policies.hash(), {
      from: new Date('2026-08-01T00:00:00Z'),
      days: 10,
      auditEntries: 80,
      requests: 0,
      reidRuns: 0,
    });
  }, 120_000);
  afterAll(() => t?.close());

  it('POST /api/v1/reports › 400 with field errors on a bad body, 403 for a role without report:create', async () => {
    const officer = await apiToken(t, 'compliance_officer');
    const bad = await request(t.app)
      .post('/api/v1/reports')
      .set('authorization', `Bearer ${officer}`)
      .send({ kind: 'quarterly', from: '2026-09-30', to: '2026-07-01' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('The period ends before it starts');
    const unknown = await request(t.app)
      .post('/api/v1/reports')
      .set('authorization', `Bearer ${officer}`)
      .send({ kind: 'weekly' });
    expect(unknown.status).toBe(400);
    const steward = await apiToken(t, 'data_steward');
    const denied = await request(t.app)
      .post('/api/v1/reports')
      .set('authorization', `Bearer ${steward}`)
      .send({ kind: 'audit_log', from: '2026-08-01', to: '2026-08-10' });
    expect(denied.status).toBe(403);
  });

  it('the report job generates an ordered report with progress, and the API reports its SHA-256', async () => {
    const token = await apiToken(t, 'auditor');
    const order = await request(t.app)
      .post('/api/v1/reports')
      .set('authorization', `Bearer ${token}`)
      .send({ kind: 'audit_log', from: '2026-08-01', to: '2026-08-10' });
    expect(order.status).toBe(202);
    const workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
    try {
      let body: { status: string; sha256: string | null; progress: { percent: number } } = {
        status: 'queued',
        sha256: null,
        progress: { percent: 0 },
      };
      for (let i = 0; i < 120 && body.status !== 'done' && body.status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 500));
        body = (await request(t.app).get(`/api/v1/reports/${order.body.id}`).set('authorization', `Bearer ${token}`))
          .body;
      }
      expect(body.status).toBe('done');
      expect(body.progress.percent).toBe(100);
      expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
      const issued = await t.deps
        .db('audit_log')
        .where({ action: 'report.issued', target: `report:${order.body.id}` })
        .first('details');
      expect(issued.details.sha256).toBe(body.sha256);
    } finally {
      await workers.close();
    }
  }, 90_000);

  it('the order form re-renders with field errors and keeps the input; the list filters by kind and period', async () => {
    const auditor = await signIn(t, 'auditor');
    const page = await auditor.agent.get('/reports');
    expect(page.status).toBe(200);
    const res = await auditor.agent
      .post('/reports')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), kind: 'quarterly', from: '2026-13-01', to: '2026-09-30' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter a date like 2026-03-31');
    expect(res.text).toContain('value="2026-13-01"');
    const ok = await auditor.agent
      .post('/reports')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), kind: 'audit_log', from: '2026-08-01', to: '2026-08-05' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toMatch(/^\/reports\/[0-9a-f-]{36}$/);
    const listed = await auditor.agent.get('/reports?kind=audit_log&from=2026-08-03&to=2026-08-04');
    expect(listed.text).toContain(ok.headers.location);
    const other = await auditor.agent.get('/reports?kind=audit_log&from=2025-01-01&to=2025-01-31');
    expect(other.text).not.toContain(ok.headers.location);
    const quarterly = await auditor.agent.get('/reports?kind=quarterly');
    expect(quarterly.text).not.toContain(ok.headers.location);
  });
});

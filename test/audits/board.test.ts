import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, signIn, csrfFrom, type SignedIn, type TestApp } from '../support/app';
import { runAudit } from '../../server/audits/runs';
import { severityRank, SEVERITIES } from '../../server/audits/types';

let t: TestApp;
let officer: SignedIn;
let token: string;
const ids: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  officer = await signIn(t, 'compliance_officer');
  token = await apiToken(t, 'compliance_officer');
  // 30 findings of two kinds, every severity, distinct last-seen times, one with a formula-like title.
  for (let i = 0; i < 30; i++) {
    const severity = SEVERITIES[i % 4];
    const [row] = await t.deps
      .db('findings')
      .insert({
        kind: i % 2 ? 'overdue_requests' : 'retention_sweep',
        key: `planted:${i}`,
        severity,
        severity_rank: severityRank(severity),
        title: i === 3 ? '=HYPERLINK("http://evil")' : `Planted finding ${i}`,
        status: i === 29 ? 'remediated' : 'open',
        owner: i < 5 ? officer.userId : null,
        last_seen_at: new Date(Date.UTC(2026, 10, 1, 0, i)),
      })
      .returning('id');
    ids.push(row.id);
  }
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const api = (path: string) => request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

describe('GET /api/v1/findings', () => {
  it('walks every active finding exactly once with the cursor, most severe first', async () => {
    const seen: { id: string; severity: string; lastSeenAt: string }[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const res = await api(`/findings?limit=7${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
      expect(res.body.total).toBe(29);
      seen.push(...res.body.findings);
      if (!res.body.next) break;
      cursor = res.body.next;
    }
    expect(seen).toHaveLength(29);
    expect(new Set(seen.map((f) => f.id)).size).toBe(29);
    expect(seen.map((f) => f.id)).not.toContain(ids[29]);
    const ranks = seen.map((f) => severityRank(f.severity as never));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    // Within a severity, the most recently seen first.
    const critical = seen.filter((f) => f.severity === 'critical').map((f) => f.lastSeenAt);
    expect(critical).toEqual([...critical].sort().reverse());
  });

  it('filters by severity, status, kind and owner', async () => {
    expect(
      (await api('/findings?severity=critical&limit=200').expect(200)).body.findings.every(
        (f: { severity: string }) => f.severity === 'critical',
      ),
    ).toBe(true);
    expect(
      (await api('/findings?status=remediated').expect(200)).body.findings.map((f: { id: string }) => f.id),
    ).toEqual([ids[29]]);
    expect((await api('/findings?kind=overdue_requests&limit=200').expect(200)).body.total).toBe(14);
    expect((await api(`/findings?owner=${officer.userId}&limit=200`).expect(200)).body.total).toBe(5);
    expect((await api('/findings?owner=none&limit=200').expect(200)).body.total).toBe(24);
  });

  it('answers 400 naming the field for a bad filter or an edited cursor', async () => {
    const bad = await api('/findings?severity=huge').expect(400);
    expect(bad.body.error.fields.severity).toBe('Choose a severity');
    const cursor = await api('/findings?cursor=bm9wZQ').expect(400);
    expect(cursor.body.error.fields.cursor).toContain('not valid');
  });

  it('is in the OpenAPI document with its filters', async () => {
    const doc = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body;
    expect(doc.paths['/findings'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'severity',
      'status',
      'kind',
      'owner',
      'sort',
      'cursor',
      'limit',
    ]);
    expect(doc.paths['/audit-runs'].get).toBeTruthy();
  });
});

describe('GET /api/v1/audit-runs', () => {
  it('lists runs newest first, with a cursor', async () => {
    for (let i = 0; i < 3; i++)
      await runAudit(t.deps, {
        kind: 'audit_log_chain',
        schedule: 'manual',
        tickAt: null,
        jobId: `board-run-${i}`,
        triggeredBy: 'system:test',
      });
    const first = await api('/audit-runs?limit=2').expect(200);
    expect(first.body.runs.map((r: { jobId: string }) => r.jobId)).toEqual(['board-run-2', 'board-run-1']);
    const second = await api(`/audit-runs?limit=2&cursor=${first.body.next}`).expect(200);
    expect(second.body.runs.map((r: { jobId: string }) => r.jobId)).toEqual(['board-run-0']);
    expect(second.body.next).toBeNull();
    const one = await api(`/audit-runs/${second.body.runs[0].id}`).expect(200);
    expect(one.body).toMatchObject({ kind: 'audit_log_chain', status: 'passed' });
  });

  it('is refused to a role without audit:read', async () => {
    const steward = await apiToken(t, 'data_steward');
    await request(t.app).get('/api/v1/audit-runs').set('Authorization', `Bearer ${steward}`).expect(403);
  });
});

describe('the findings board', () => {
  it('shows the active findings, filters, and pages with a cursor link', async () => {
    const page = await officer.agent.get('/findings?severity=critical').expect(200);
    expect(page.text).toContain('data-testid="findings-table"');
    expect(page.text).not.toContain('Planted finding 1<'); // low, filtered out
    const all = await officer.agent.get('/findings').expect(200);
    const next = /data-testid="next-page"[^>]*>|href="([^"]+)" data-testid="next-page"/.exec(all.text);
    expect(next).toBeTruthy();
    const href = /<a rel="next" href="([^"]+)"/.exec(all.text)![1].replace(/&amp;/g, '&');
    const second = await officer.agent.get(`/findings${href}`).expect(200);
    expect(second.text).toContain('First page');
  });

  it('acknowledging a finding is a 303, a status change and an audit entry shown in its history', async () => {
    const id = ids[0];
    const show = await officer.agent.get(`/findings/${id}`).expect(200);
    const res = await officer.agent
      .post(`/findings/${id}`)
      .type('form')
      .send({ _csrf: csrfFrom(show.text), action: 'acknowledge' });
    expect(res.status).toBe(303);
    expect((await t.deps.db('findings').where({ id }).first()).status).toBe('acknowledged');
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'finding.acknowledge', target: `finding:${id}` })
      .first();
    expect(entry.actor).toBe(`user:${officer.userId}`);
    const after = await officer.agent.get(`/findings/${id}`).expect(200);
    expect(after.text).toContain('finding.acknowledge');
    expect(after.text).toMatch(/data-testid="finding-status">acknowledged/);
  });

  it('re-renders with an error summary when a risk is accepted without a justification', async () => {
    const id = ids[1];
    const show = await officer.agent.get(`/findings/${id}`).expect(200);
    const res = await officer.agent
      .post(`/findings/${id}`)
      .type('form')
      .send({ _csrf: csrfFrom(show.text), action: 'accept_risk', justification: '', until: '2020-01-01' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Say why the risk is accepted');
    expect(res.text).toContain('The expiry date must be in the future');
    expect((await t.deps.db('findings').where({ id }).first()).status).toBe('open');
  });

  it('is refused to a role that may not read findings', async () => {
    const admin = await signIn(t, 'admin');
    await admin.agent.get('/findings').expect(403);
  });

  it('exports the filtered findings as CSV, formulas defused, and audits the export', async () => {
    const res = await officer.agent.get('/findings.csv?status=all').expect(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      '"id","kind","severity","status","title","owner","first_seen","last_seen","occurrences","reopened","accepted_until","justification"',
    );
    expect(lines).toHaveLength(31);
    expect(res.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    const entry = await t.deps.db('audit_log').where({ action: 'finding.export' }).orderBy('seq', 'desc').first();
    expect(entry.details.filter).toMatchObject({ status: 'all' });
  });
});

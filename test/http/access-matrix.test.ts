// Walks every declared route × every role and checks allow/deny against policies/access.yaml.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestApp, signIn, apiToken, type TestApp, type SignedIn } from '../support/app';
import { decideAccess } from '../../server/policies/access';
import { permissionName, type RouteSpec } from '../../server/http/guard';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const concrete = (path: string) => path.replace(/:(\w+)/g, () => crypto.randomUUID());

function expectedAllowed(t: TestApp, role: string, spec: RouteSpec): boolean {
  if (spec.permission === 'public' || spec.permission === 'signed-in') return true;
  const d = decideAccess(t.deps.policies.current().access, {
    principal: { id: 'user:matrix', role },
    action: spec.permission.action,
    resource: spec.permission.resource,
  });
  // A rule denied only by its instance condition (four-eyes) admits the route; the handler decides.
  return d.allowed || Boolean(d.rule);
}

describe('access matrix', () => {
  it('every route is declared with a permission, and routes exist for the UI and the API', () => {
    expect(t.app.routes.length).toBeGreaterThan(10);
    expect(t.app.routes.some((r) => r.path.startsWith('/api/v1'))).toBe(true);
  });

  it('every UI route × every role is allowed or denied exactly as access.yaml says', async () => {
    const roles = t.deps.policies.current().access.roles.map((r) => r.name);
    expect(roles).toEqual(
      expect.arrayContaining(['admin', 'compliance_officer', 'ethics_board', 'auditor', 'data_steward']),
    );
    const routes = t.app.routes.filter((r) => !r.path.startsWith('/api/') && r.permission !== 'public');
    let denials = 0;
    for (const role of roles) {
      if (process.env.DEBUG_MATRIX) console.log('signing in', role);
      const s: SignedIn = await signIn(t, role);
      if (process.env.DEBUG_MATRIX) console.log('signed in', role);
      const csrf = await s.csrf();
      for (const spec of routes) {
        const path = concrete(spec.path);
        const started = Date.now();
        const res =
          spec.method === 'get' ? await s.agent.get(path) : await s.agent.post(path).type('form').send({ _csrf: csrf });
        if (process.env.DEBUG_MATRIX) console.log(role, spec.method, spec.path, res.status, Date.now() - started);
        const allowed = expectedAllowed(t, role, spec);
        const label = `${role} ${spec.method.toUpperCase()} ${spec.path} → ${res.status}`;
        if (allowed) {
          expect([401, 403], label).not.toContain(res.status);
        } else {
          denials++;
          expect(res.status, label).toBe(403);
          if (typeof spec.permission === 'object') expect(res.text, label).toContain(permissionName(spec.permission));
        }
      }
    }
    expect(denials).toBeGreaterThan(0);
  }, 120_000);

  it('every API route × every role token is allowed or denied exactly as access.yaml says', async () => {
    const roles = t.deps.policies.current().access.roles.map((r) => r.name);
    const routes = t.app.routes.filter((r) => r.path.startsWith('/api/') && r.permission !== 'public');
    for (const role of roles) {
      const token = await apiToken(t, role);
      for (const spec of routes) {
        const path = concrete(spec.path);
        const req = spec.method === 'get' ? request(t.app).get(path) : request(t.app).post(path).send({});
        const res = await req.set('authorization', `Bearer ${token}`);
        const label = `${role} ${spec.method.toUpperCase()} ${spec.path} → ${res.status}`;
        if (expectedAllowed(t, role, spec)) expect([401, 403], label).not.toContain(res.status);
        else expect(res.status, label).toBe(403);
      }
    }
  }, 60_000);

  it('an unauthenticated API call gets 401 JSON, a revoked token too', async () => {
    expect((await request(t.app).get('/api/v1/me')).status).toBe(401);
    const token = await apiToken(t, 'auditor');
    const ok = await request(t.app).get('/api/v1/me').set('authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.body.role).toBe('auditor');
    const row = await t.deps.db('api_tokens').orderBy('created_at', 'desc').first();
    await t.deps.auth.revokeToken(row.id, 'system:test');
    const res = await request(t.app).get('/api/v1/me').set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('a denial is written to the audit log', async () => {
    const before = await t.deps.db('audit_log').where({ action: 'access.denied' }).count({ n: '*' });
    const s = await signIn(t, 'ethics_board');
    await s.agent.get('/admin/tokens');
    const after = await t.deps.db('audit_log').where({ action: 'access.denied' }).count({ n: '*' });
    expect(Number(after[0].n)).toBe(Number(before[0].n) + 1);
  });
});

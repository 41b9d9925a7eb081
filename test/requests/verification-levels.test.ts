// Issue 19 point 6: the verification level a request needs comes from verification.yaml, per
// regulation and request type; the verify step (UI and API) refuses a method below it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { apiAs, apiToken, createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { copyBundle, edit } from '../policies/helpers';
import { loadBundle } from '../../server/policies/bundle';
import { runPolicyTests } from '../../server/policies/policy-tests';
import type { PolicyBundle } from '../../server/policies/types';
import { meetsLevel, requiredVerification } from '../../server/requests';

let t: TestApp;
let officer: SignedIn;
let token: string;

async function bundleFrom(dir: string): Promise<PolicyBundle> {
  const loaded = await loadBundle(dir);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.bundle;
}

beforeAll(async () => {
  t = await createTestApp();
  officer = await signIn(t, 'compliance_officer');
  token = await apiToken(t, 'compliance_officer');
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const create = async (type: string, regulation: string, email: string) =>
  (await apiAs(t.app, token).post('/requests', { type, regulation, identity: { email } })).body.id as string;
const statusOf = async (id: string) => (await t.deps.db('requests').where({ id }).first()).status as string;

describe('verification levels from the policy', () => {
  it('the shipped policy asks a reasonably high level for CCPA access and the basic level for erasure', () => {
    const bundle = t.deps.policies.current();
    expect(requiredVerification(bundle, 'ccpa', 'access')).toMatchObject({ level: 'reasonably_high' });
    expect(requiredVerification(bundle, 'ccpa', 'access')!.reason).toContain('§7062(c)');
    expect(requiredVerification(bundle, 'ccpa', 'access')!.methods.sort()).toEqual(
      ['account_login', 'three_data_points_declaration'].sort(),
    );
    for (const regulation of ['gdpr', 'ccpa', 'lgpd'] as const) {
      expect(requiredVerification(bundle, regulation, 'erasure')!.level).toBe('basic');
      expect(meetsLevel(bundle, regulation, 'erasure', 'email_link')).toBe(true);
    }
    expect(meetsLevel(bundle, 'ccpa', 'access', 'email_link')).toBe(false);
    expect(meetsLevel(bundle, 'ccpa', 'access', 'two_data_points')).toBe(false);
    expect(meetsLevel(bundle, 'ccpa', 'access', 'three_data_points_declaration')).toBe(true);
  });

  it('the policy decides: a bundle that lowers or raises a level changes the answer, and a bundle without the file accepts any method', async () => {
    const dir = await copyBundle();
    await edit(
      dir,
      'verification.yaml',
      '  - regulations: [ccpa]\n    types: [access]\n    level: reasonably_high',
      '  - regulations: [ccpa]\n    types: [access]\n    level: reasonable',
    );
    await edit(
      dir,
      'verification.yaml',
      '  - regulations: [gdpr, lgpd]\n    types: [access]\n    level: basic',
      '  - regulations: [gdpr, lgpd]\n    types: [access]\n    level: reasonably_high',
    );
    const changed = await bundleFrom(dir);
    expect(requiredVerification(changed, 'ccpa', 'access')!.level).toBe('reasonable');
    expect(meetsLevel(changed, 'ccpa', 'access', 'two_data_points')).toBe(true);
    expect(requiredVerification(changed, 'gdpr', 'access')!.level).toBe('reasonably_high');
    expect(meetsLevel(changed, 'gdpr', 'access', 'email_link')).toBe(false);
    // The truth table notices the weakened CCPA rule.
    const run = runPolicyTests(changed);
    expect(run.results.filter((r) => !r.passed).map((r) => r.name)).toContain(
      'A CCPA access request needs a reasonably high degree of certainty',
    );

    await rm(path.join(dir, 'verification.yaml'));
    await rm(path.join(dir, 'tests/verification_test.yaml'));
    const without = await bundleFrom(dir);
    expect(requiredVerification(without, 'ccpa', 'access')).toBeNull();
    expect(meetsLevel(without, 'ccpa', 'access', 'email_link')).toBe(true);
  });

  it('the shipped truth table passes', () => {
    const run = runPolicyTests(t.deps.policies.current());
    const rows = run.results.filter((r) => r.file === 'tests/verification_test.yaml');
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(rows.filter((r) => !r.passed)).toEqual([]);
  });

  it('an unknown level in verification.yaml is refused with its file and line', async () => {
    const dir = await copyBundle();
    await edit(dir, 'verification.yaml', '  two_data_points: reasonable', '  two_data_points: fairly_sure');
    const loaded = await loadBundle(dir);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      const p = loaded.problems.find((x) => x.file === 'verification.yaml')!;
      expect(p.message).toContain('unknown level fairly_sure');
      expect(p.line).toBeGreaterThan(1);
    }
  });
});

describe('the verify step', () => {
  it('API › refuses an email link for a CCPA access request with a field error, and changes nothing', async () => {
    const id = await create('access', 'ccpa', 'ccpa-access-api@example.com');
    const res = await apiAs(t.app, token).post(`/requests/${id}/verify`, {
      method: 'email_link',
      evidence: 'Link clicked',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.method).toContain('reasonably_high');
    expect(res.body.error.fields.method).toContain('§7062(c)');
    expect(await statusOf(id)).toBe('received');
    expect(await t.deps.db('audit_log').where({ action: 'request.verify', target: `request:${id}` })).toHaveLength(0);
  });

  it('API › accepts three data points and a signed declaration for a CCPA access request, and audits the level', async () => {
    const id = await create('access', 'ccpa', 'ccpa-access-ok@example.com');
    const res = await apiAs(t.app, token).post(`/requests/${id}/verify`, {
      method: 'three_data_points_declaration',
      evidence: 'Name, postal code and last order matched; declaration signed 2026-12-01',
    });
    expect(res.status).toBe(200);
    expect(await statusOf(id)).toBe('identity_verified');
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'request.verify', target: `request:${id}` })
      .first();
    expect(entry.details).toMatchObject({ method: 'three_data_points_declaration', level: 'reasonably_high' });
    // Once verified, a second verify is a status conflict, whatever the method.
    const again = await apiAs(t.app, token).post(`/requests/${id}/verify`, { method: 'email_link', evidence: 'Link' });
    expect(again.status).toBe(409);
  });

  it('API › an email link is enough for a CCPA erasure request', async () => {
    const id = await create('erasure', 'ccpa', 'ccpa-erasure@example.com');
    const res = await apiAs(t.app, token).post(`/requests/${id}/verify`, {
      method: 'email_link',
      evidence: 'Link clicked',
    });
    expect(res.status).toBe(200);
    expect(await statusOf(id)).toBe('identity_verified');
  });

  it('UI › re-renders with an error on the method, keeps the evidence, and states the level needed', async () => {
    const id = await create('access', 'ccpa', 'ccpa-access-ui@example.com');
    const page = await officer.agent.get(`/requests/${id}`);
    expect(page.text).toContain('data-testid="verification-needed"');
    expect(page.text).toContain('reasonably_high');
    const res = await officer.agent
      .post(`/requests/${id}/verify`)
      .type('form')
      .send({ _csrf: await officer.csrf(), method: 'two_data_points', evidence: 'Name and postal code matched' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('href="#method"');
    expect(res.text).toContain('needs verification at level &#34;reasonably_high&#34;');
    expect(res.text).toContain('Name and postal code matched');
    expect(await statusOf(id)).toBe('received');

    const ok = await officer.agent
      .post(`/requests/${id}/verify`)
      .type('form')
      .send({ _csrf: await officer.csrf(), method: 'account_login', evidence: 'Re-authenticated in the account' });
    expect(ok.status).toBe(303);
    expect(await statusOf(id)).toBe('identity_verified');
  });
});

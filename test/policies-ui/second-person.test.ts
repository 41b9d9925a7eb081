// access.yaml `policy_activation.second_person`: a person's reload waits until a different person
// approves it; the approver is recorded as the one who activated it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { bundleCopy, editOnce } from './support';

let t: TestApp;
let copy: Awaited<ReturnType<typeof bundleCopy>>;
beforeAll(async () => {
  copy = await bundleCopy();
  fs.appendFileSync(path.join(copy.dir, 'access.yaml'), '\npolicy_activation:\n  second_person: true\n');
  t = await createTestApp({ policiesDir: copy.dir });
});
afterAll(async () => {
  await t?.close();
  await copy?.remove();
});

const post = async (s: SignedIn, p: string) =>
  s.agent
    .post(p)
    .type('form')
    .send({ _csrf: await s.csrf() });

describe('second-person policy activation', () => {
  it('a reload by one admin waits; the same admin cannot approve it; a second admin activates it', async () => {
    const first = await signIn(t, 'admin');
    const active = t.deps.policies.hash();
    await editOnce(
      copy.dir,
      'access.yaml',
      'reason: Officers review who did what on their requests.',
      'reason: Officers review who did what on the requests they handle.',
    );
    expect((await post(first, '/policies/reload')).status).toBe(303);
    expect(t.deps.policies.hash()).toBe(active);
    const pending = await t.deps.db('policy_activation_requests').whereNull('decided_at').first();
    expect(pending.requested_by).toBe(`user:${first.userId}`);
    const page = await first.agent.get('/policies');
    expect(page.text).toContain('data-testid="pending-activation"');
    expect(page.text).not.toContain('data-testid="approve-activation"');

    await post(first, `/policies/activations/${pending.id}/approve`);
    expect(t.deps.policies.hash()).toBe(active);
    expect((await t.deps.db('policy_activation_requests').where({ id: pending.id }).first()).decided_at).toBeNull();

    const second = await signIn(t, 'admin');
    expect((await post(second, `/policies/activations/${pending.id}/approve`)).status).toBe(303);
    expect(t.deps.policies.hash()).toBe(pending.hash);
    const activated = await t.deps
      .db('audit_log')
      .where({ action: 'policy.bundle.activated', target: `bundle:${pending.hash}` })
      .first();
    expect(activated.actor).toBe(`user:${second.userId}`);
  }, 90_000);
});

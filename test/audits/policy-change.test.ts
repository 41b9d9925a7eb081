import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, POLICIES_DIR, type TestApp } from '../support/app';
import { runAudit } from '../../server/audits/runs';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-policy-change-'));
  fs.cpSync(POLICIES_DIR, dir, { recursive: true });
  t = await createTestApp({ policiesDir: dir });
}, 90_000);
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const run = () =>
  runAudit(t.deps, {
    kind: 'policy_change',
    schedule: 'manual',
    tickAt: null,
    jobId: `policy-change-${++n}`,
    triggeredBy: 'system:test',
  });
const findings = () => t.deps.db('findings').where({ kind: 'policy_change' });
const approve = (hash: string) =>
  t.deps.db('policy_activation_requests').insert({
    hash,
    requested_by: 'user:00000000-0000-4000-8000-000000000001',
    decided_by: 'user:00000000-0000-4000-8000-000000000002',
    outcome: 'approved',
    decided_at: new Date(),
  });

describe('policy_change', () => {
  it('a bundle activated without approval is a high finding naming both hashes, deduplicated, remediated when an approved bundle is active, reopened when it comes back', async () => {
    const approved = t.deps.policies.hash();
    // No second-person activation in use yet: nothing to compare with.
    const before = await run();
    expect(before.run.summary).toMatchObject({ judged: false });
    expect(await findings()).toHaveLength(0);

    await approve(approved);
    expect((await run()).run.status).toBe('passed');
    expect(await findings()).toHaveLength(0);

    // Plant: a break-glass reload from the host activates a bundle nobody approved.
    fs.appendFileSync(path.join(dir, 'schedules.yaml'), '# changed on the host\n');
    const reloaded = await t.deps.policies.reload(t.deps.audit, 'system:cli');
    expect(reloaded.ok).toBe(true);
    const unapproved = t.deps.policies.hash();
    expect(unapproved).not.toBe(approved);

    const first = await run();
    expect(first.run.status).toBe('failed');
    const [f] = await findings();
    expect(f).toMatchObject({
      key: `unapproved:${unapproved}`,
      severity: 'high',
      status: 'open',
      occurrences: 1,
    });
    expect(f.title).toContain(unapproved.slice(0, 12));
    expect(f.title).toContain(approved.slice(0, 12));
    expect(f.detail).toContain(unapproved);
    expect(f.detail).toContain(approved);

    await run();
    expect(await findings()).toHaveLength(1);
    expect((await findings())[0]).toMatchObject({ status: 'open', occurrences: 2 });

    // Remediate: roll back to the approved bundle.
    await t.deps.policies.activateStored(approved, t.deps.audit, 'system:cli');
    expect((await run()).run.status).toBe('passed');
    expect((await findings())[0]).toMatchObject({ status: 'remediated', occurrences: 2 });
    expect(await t.deps.db('audit_log').where({ action: 'finding.resolved', target: `finding:${f.id}` })).toHaveLength(
      1,
    );

    // Plant again: the unapproved bundle is back.
    await t.deps.policies.activateStored(unapproved, t.deps.audit, 'system:cli');
    await run();
    expect(await findings()).toHaveLength(1);
    expect((await findings())[0]).toMatchObject({ status: 'open', reopened: 1, occurrences: 3 });

    // A second person approves it: the active bundle is an approved one.
    await approve(unapproved);
    await run();
    expect((await findings())[0]).toMatchObject({ status: 'remediated' });
  }, 90_000);
});

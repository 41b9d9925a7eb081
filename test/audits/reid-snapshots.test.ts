import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, POLICIES_DIR, type TestApp } from '../support/app';
import { runAudit } from '../../server/audits/runs';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-reid-snapshots-'));
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
    kind: 'reid_snapshots',
    schedule: 'manual',
    tickAt: null,
    jobId: `reid-snapshots-${++n}`,
    triggeredBy: 'system:test',
  });
const KEY = 'unmeasured:assistant.training_snapshot_2026_10';
const finding = () => t.deps.db('findings').where({ kind: 'reid_snapshots', key: KEY });

const original = () => fs.readFileSync(path.join(POLICIES_DIR, 'datamap', 'assistant.yaml'), 'utf8');
async function writeMap(yaml: string) {
  fs.writeFileSync(path.join(dir, 'datamap', 'assistant.yaml'), yaml);
  const result = await t.deps.policies.reload(t.deps.audit, 'system:test');
  expect(result.ok, JSON.stringify(result)).toBe(true);
}
// Plant: the snapshot's birth date and postal code lose their quasi-identifier labels, so nothing
// says which columns an attacker would link on.
const plant = () =>
  writeMap(
    original()
      .replace(
        'categories: [user.demographic.date_of_birth] # copied from the CRM: a quasi-identifier',
        'categories: [system.operations]',
      )
      .replace(
        /(- name: postal_code\n\s+categories: )\[user\.contact\.address\.postal_code\]/,
        '$1[system.operations]',
      ),
  );
const remediate = () => writeMap(original());

describe('reid_snapshots', () => {
  it('a snapshot the data map gives no quasi-identifier is a finding, deduplicated, remediated when mapped, reopened when unmapped again', async () => {
    const baseline = await run();
    expect(baseline.run.status).toBe('passed');
    expect((baseline.run.summary as { started: { dataset: string }[] }).started.map((s) => s.dataset)).toContain(
      'assistant.training_snapshot_2026_10',
    );
    expect(await finding()).toHaveLength(0);

    await plant();
    const first = await run();
    expect(first.run.status).toBe('failed');
    expect(first.run.summary).toMatchObject({
      skipped: [{ dataset: 'assistant.training_snapshot_2026_10', reason: 'the data map marks no quasi-identifier' }],
    });
    const [f] = await finding();
    expect(f).toMatchObject({ severity: 'medium', status: 'open', occurrences: 1 });
    expect(f.title).toContain('assistant.training_snapshot_2026_10');

    await run();
    expect(await finding()).toHaveLength(1);
    expect((await finding())[0]).toMatchObject({ id: f.id, status: 'open', occurrences: 2 });

    await remediate();
    const fixed = await run();
    expect(fixed.run.status).toBe('passed');
    expect((await finding())[0]).toMatchObject({ status: 'remediated', occurrences: 2 });
    expect(await t.deps.db('audit_log').where({ action: 'finding.resolved', target: `finding:${f.id}` })).toHaveLength(
      1,
    );

    await plant();
    await run();
    expect(await finding()).toHaveLength(1);
    expect((await finding())[0]).toMatchObject({ id: f.id, status: 'open', reopened: 1, occurrences: 3 });
  }, 90_000);
});

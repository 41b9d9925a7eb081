import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICIES_DIR } from '../support/app';
import { createDemoApp, sql, type DemoApp } from '../requests/support';
import { recordConsentEvents, validateConsentEvents } from '../../server/training/consent';
import { createSnapshotService } from '../../server/training/snapshot';
import { releaseGate } from '../../server/training/bias-service';
import { cliRunner } from '../support/cli';

// model_training relying on consent (Art. 6(1)(a)): only subjects with a current consent are kept.
const SNAPSHOT = 'assistant.training_snapshot_2026_10';
let t: DemoApp;
let dir: string;
let consenting: number[];

const setTraining = (basis: string, onExcluded: string) => {
  const text = fs.readFileSync(path.join(POLICIES_DIR, 'training.yaml'), 'utf8');
  fs.writeFileSync(
    path.join(dir, 'training.yaml'),
    text
      .replace(/(- name: model_training\n\s+lawful_basis:) legitimate_interests/, `$1 ${basis}`)
      .replace('on_excluded: exclude', `on_excluded: ${onExcluded}`),
  );
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-consent-'));
  fs.cpSync(POLICIES_DIR, dir, { recursive: true });
  setTraining('consent', 'exclude');
  t = await createDemoApp({ policiesDir: dir });
  consenting = (
    await sql<{ customer_id: string }>(
      t.urls.support,
      'SELECT DISTINCT customer_id FROM tickets WHERE customer_id IS NOT NULL ORDER BY customer_id LIMIT 3',
    )
  ).map((r) => Number(r.customer_id));
}, 120_000);
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const record = async (raw: Record<string, unknown>[]) => {
  const v = validateConsentEvents(t.deps.policies.current(), raw);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return recordConsentEvents(t.deps, v.events, 'user:test', 'test');
};

describe('a purpose that relies on consent', () => {
  it('keeps only the rows of subjects with a given, unwithdrawn consent', async () => {
    expect(t.deps.policies.current().training.purposes.find((p) => p.name === 'model_training')?.lawfulBasis).toBe(
      'consent',
    );
    await record(
      consenting.map((id) => ({
        identity_kind: 'customer_id',
        identity_value: String(id),
        purpose: 'model_training',
        event: 'given',
        occurred_at: '2026-10-01T00:00:00Z',
      })),
    );
    // The third withdraws; a consent to analytics does not count for training.
    await record([
      {
        identity_kind: 'customer_id',
        identity_value: String(consenting[2]),
        purpose: 'model_training',
        event: 'withdrawn',
        occurred_at: '2026-11-01T00:00:00Z',
      },
      {
        identity_kind: 'customer_id',
        identity_value: '999999',
        purpose: 'analytics',
        event: 'given',
        occurred_at: '2026-11-01T00:00:00Z',
      },
    ]);
    const out = await createSnapshotService(t.deps).build(SNAPSHOT, 'user:test');
    expect(out).toMatchObject({ ok: true, status: 'built' });
    const kept = await sql<{ customer_id: string | null }>(
      t.urls.assistant,
      'SELECT DISTINCT customer_id FROM training_snapshot_2026_10',
    );
    expect(kept.map((r) => Number(r.customer_id)).sort((a, b) => a - b)).toEqual(consenting.slice(0, 2));
    const [{ n }] = await sql<{ n: string }>(
      t.urls.support,
      'SELECT count(*) AS n FROM tickets WHERE customer_id = ANY($1)',
      [consenting.slice(0, 2)],
    );
    // Tickets of the two consenting customers only (prompt logs have no customer id and no consent by email).
    expect(out.ok && out.rowsOut).toBe(Number(n));
    const reasons = await t.deps
      .db('snapshot_exclusions')
      .where({ version_id: out.ok ? out.versionId : '' })
      .distinct('reason')
      .pluck('reason');
    expect(reasons.sort()).toEqual(['do_not_train', 'no_basis']);
  });

  it('on_excluded: refuse leaves the previous snapshot as it was and records the refusal; a check then finds nothing wrong', async () => {
    setTraining('consent', 'refuse');
    expect((await t.deps.policies.reload(t.deps.audit, 'user:test')).ok).toBe(true);
    const before = await sql(t.urls.assistant, 'SELECT customer_id, text FROM training_snapshot_2026_10 ORDER BY id');
    const out = await createSnapshotService(t.deps).build(SNAPSHOT, 'user:test');
    expect(out).toMatchObject({ ok: true, status: 'refused', rowsOut: 0 });
    expect(out.ok && out.rowsExcluded).toBeGreaterThan(0);
    expect(await sql(t.urls.assistant, 'SELECT customer_id, text FROM training_snapshot_2026_10 ORDER BY id')).toEqual(
      before,
    );
    const check = await createSnapshotService(t.deps).check(SNAPSHOT, 'user:test');
    expect(check).toMatchObject({ ok: true, status: 'checked', rowsExcluded: 0, rowsIn: before.length });
    expect(await releaseGate(t.deps, SNAPSHOT)).toEqual([]);
  });

  it('a withdrawal after the build shows in the check and blocks the release until the snapshot is rebuilt', async () => {
    await record([
      {
        identity_kind: 'customer_id',
        identity_value: String(consenting[0]),
        purpose: 'model_training',
        event: 'withdrawn',
        occurred_at: '2026-11-20T00:00:00Z',
      },
    ]);
    expect((await releaseGate(t.deps, SNAPSHOT)).join(' ')).toContain('the do-not-train list changed since');
    const check = await createSnapshotService(t.deps).check(SNAPSHOT, 'user:test');
    expect(check.ok && check.rowsExcluded).toBeGreaterThan(0);
    expect((await releaseGate(t.deps, SNAPSHOT)).join(' ')).toContain(
      `row(s) of ${SNAPSHOT} belong to subjects without a basis for training; rebuild it`,
    );
  });

  it('lethe consent import and lethe training check|build work from the shell, exiting 3 when rows lack a basis', async () => {
    const cli = cliRunner(t.env);
    const file = path.join(dir, 'consents.csv');
    fs.writeFileSync(
      file,
      `identity_kind,identity_value,purpose,event,occurred_at\ncustomer_id,${consenting[1]},model_training,withdrawn,2026-11-25T00:00:00Z\n`,
    );
    const imported = await cli(['consent', 'import', file]);
    expect(imported.err).toBe('');
    expect(imported).toMatchObject({ code: 0 });
    expect(imported.out).toContain('1 event(s) recorded, 0 already in the ledger, 1 added to the do-not-train list');
    fs.writeFileSync(
      file,
      'identity_kind,identity_value,purpose,event,occurred_at\nemail,x@example.com,dating,given,2026-11-25T00:00:00Z\n',
    );
    const bad = await cli(['consent', 'import', file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('consents.csv:2: purpose: Unknown purpose "dating"');
    const check = await cli(['training', 'check', SNAPSHOT]);
    expect(check.code).toBe(3);
    expect(check.out).toMatch(/checked: \d+ row\(s\) read, \d+ kept, [1-9]\d* without a basis/);
    const build = await cli(['training', 'build', SNAPSHOT]);
    expect(build.code).toBe(3);
    expect(build.out).toContain('refused');
  });
});

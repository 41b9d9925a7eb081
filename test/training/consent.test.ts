import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTotp, signIn, type SignedIn } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createDemoApp, sql, until, type DemoApp } from '../requests/support';
import { recordConsentEvents, validateConsentEvents } from '../../server/training/consent';
import { createSnapshotService } from '../../server/training/snapshot';

const SNAPSHOT = 'assistant.training_snapshot_2026_10';
let t: DemoApp;
let workers: RunningWorkers;
let alice: SignedIn;
let bob: SignedIn;
// Customers with at least one ticket: the objector, the one who withdraws, and one who consents.
let objector: { id: number; email: string };
let withdrawer: { id: number; email: string };

beforeAll(async () => {
  t = await createDemoApp();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  alice = await signIn(t, 'compliance_officer');
  bob = await signIn(t, 'compliance_officer');
  const withTickets = await sql<{ customer_id: string; requester_email: string }>(
    t.urls.support,
    `SELECT customer_id, min(requester_email) AS requester_email FROM tickets WHERE customer_id > 4 GROUP BY customer_id ORDER BY customer_id LIMIT 2`,
  );
  objector = { id: Number(withTickets[0].customer_id), email: withTickets[0].requester_email };
  withdrawer = { id: Number(withTickets[1].customer_id), email: withTickets[1].requester_email };
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
});

const snapshotRows = (customerId: number) =>
  sql(t.urls.assistant, 'SELECT 1 FROM training_snapshot_2026_10 WHERE customer_id = $1', [customerId]);
const promptsBy = async (email: string) =>
  (
    await sql<{ prompt: string }>(
      t.urls.assistant,
      'SELECT prompt FROM prompt_logs WHERE lower(user_email) = lower($1)',
      [email],
    )
  ).map((r) => r.prompt);

function events(raw: Record<string, unknown>[]) {
  const v = validateConsentEvents(t.deps.policies.current(), raw);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.events;
}

describe('consent ledger, do-not-train list and the snapshot consent filter', () => {
  it('rejects an unknown purpose and a bad event, naming the row and field', () => {
    const v = validateConsentEvents(t.deps.policies.current(), [
      {
        identity_kind: 'email',
        identity_value: 'a@example.com',
        purpose: 'marketing',
        event: 'given',
        occurred_at: '2026-11-01T00:00:00Z',
      },
      {
        identity_kind: 'email',
        identity_value: 'a@example.com',
        purpose: 'analytics',
        event: 'maybe',
        occurred_at: '2026-11-01T00:00:00Z',
      },
    ]);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 1, field: 'purpose' }),
        expect.objectContaining({ row: 2, field: 'event' }),
      ]),
    );
  });

  it("a withdrawn or objecting subject's rows are absent from the next snapshot, and the exclusion is counted", async () => {
    const snapshots = createSnapshotService(t.deps);
    const first = await snapshots.build(SNAPSHOT, 'user:test');
    expect(first).toMatchObject({ ok: true, status: 'built', rowsExcluded: 0 });
    expect((await snapshotRows(objector.id)).length).toBeGreaterThan(0);
    expect((await snapshotRows(withdrawer.id)).length).toBeGreaterThan(0);

    const out = await recordConsentEvents(
      t.deps,
      events([
        {
          identity_kind: 'customer_id',
          identity_value: String(withdrawer.id),
          purpose: 'model_training',
          event: 'given',
          occurred_at: '2026-10-01T00:00:00Z',
        },
        {
          identity_kind: 'customer_id',
          identity_value: String(withdrawer.id),
          purpose: 'model_training',
          event: 'withdrawn',
          occurred_at: '2026-11-02T00:00:00Z',
        },
        {
          identity_kind: 'email',
          identity_value: objector.email.toUpperCase(),
          purpose: 'model_training',
          event: 'objected',
          occurred_at: '2026-11-03T00:00:00Z',
        },
      ]),
      'user:test',
      'test',
    );
    expect(out).toEqual({ recorded: 3, duplicates: 0, doNotTrainAdded: 2 });
    // The ledger and the list hold blind indexes only.
    const ledger = JSON.stringify(await t.deps.db('consent_events').select());
    expect(ledger).not.toContain(objector.email);
    expect(ledger.toLowerCase()).not.toContain(objector.email.toLowerCase());
    expect(await t.deps.db('do_not_train').pluck('reason')).toEqual(expect.arrayContaining(['withdrawn', 'objected']));

    const second = await snapshots.build(SNAPSHOT, 'user:test');
    expect(second).toMatchObject({ ok: true, status: 'built' });
    if (!second.ok) return;
    expect(await snapshotRows(objector.id)).toHaveLength(0);
    expect(await snapshotRows(withdrawer.id)).toHaveLength(0);
    const objectorPrompts = await promptsBy(objector.email);
    const [{ n: expectedExcluded }] = await sql<{ n: string }>(
      t.urls.support,
      'SELECT count(*) AS n FROM tickets WHERE customer_id IN ($1, $2) OR lower(requester_email) = lower($3) OR lower(cc_email) = lower($3)',
      [objector.id, withdrawer.id, objector.email],
    );
    expect(second.rowsExcluded).toBe(Number(expectedExcluded) + objectorPrompts.length);
    expect(second.rowsOut).toBe(second.rowsIn - second.rowsExcluded);
    const version = await t.deps.db('dataset_versions').where({ id: second.versionId }).first();
    expect(version.consent_filter).toMatchObject({
      purpose: 'model_training',
      lawfulBasis: 'legitimate_interests',
      excludedRows: second.rowsExcluded,
      excludedSubjects: expect.any(Number),
    });
    expect(version.version).toBe(2);
    const audit = await t.deps
      .db('audit_log')
      .where({ action: 'training.snapshot.build', target: `dataset:${SNAPSHOT}` })
      .orderBy('seq', 'desc')
      .first();
    expect(audit.details.rowsExcluded).toBe(second.rowsExcluded);
  });

  it('an import run twice records each event once; a later consent lifts a withdrawal but never an objection', async () => {
    const again = await recordConsentEvents(
      t.deps,
      events([
        {
          identity_kind: 'customer_id',
          identity_value: String(withdrawer.id),
          purpose: 'model_training',
          event: 'withdrawn',
          occurred_at: '2026-11-02T00:00:00Z',
        },
      ]),
      'user:test',
      'test',
    );
    expect(again).toEqual({ recorded: 0, duplicates: 1, doNotTrainAdded: 0 });
    await recordConsentEvents(
      t.deps,
      events([
        {
          identity_kind: 'customer_id',
          identity_value: String(withdrawer.id),
          purpose: 'model_training',
          event: 'given',
          occurred_at: '2026-11-10T00:00:00Z',
        },
        {
          identity_kind: 'email',
          identity_value: objector.email,
          purpose: 'model_training',
          event: 'given',
          occurred_at: '2026-11-10T00:00:00Z',
        },
      ]),
      'user:test',
      'test',
    );
    const list = await t.deps.db('do_not_train').select('subject_index', 'reason');
    expect(
      list.find((r) => r.subject_index === t.deps.crypto.blindIndex(`customer_id:${withdrawer.id}`)),
    ).toBeUndefined();
    expect(list.find((r) => r.subject_index === t.deps.crypto.blindIndex(`email:${objector.email}`))?.reason).toBe(
      'objected',
    );
  });

  it('the certificate of a later erasure names the snapshots the subject was excluded from, and the erasure puts them on the list', async () => {
    const res = await alice.agent
      .post('/requests')
      .type('form')
      .send({ _csrf: await alice.csrf(), type: 'erasure', regulation: 'gdpr', email: objector.email });
    expect(res.status).toBe(303);
    const id = res.headers.location.split('/').pop()!;
    await alice.agent
      .post(`/requests/${id}/verify`)
      .type('form')
      .send({ _csrf: await alice.csrf(), method: 'email_link', evidence: 'Link clicked' });
    expect(
      (
        await bob.agent
          .post(`/requests/${id}/approve`)
          .type('form')
          .send({ _csrf: await bob.csrf(), code: await freshTotp(t, bob.userId) })
      ).status,
    ).toBe(303);
    await until(
      async () =>
        ['completed', 'part_held', 'needs_attention'].includes(
          (await t.deps.db('requests').where({ id }).first()).status,
        ),
      60_000,
      'erasure',
    );
    const cert = await t.deps.db('request_artefacts').where({ request_id: id, kind: 'certificate' }).first();
    expect(cert).toBeDefined();
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: cert.bytes })
      .toString()
      .replace(/\s+/g, ' ');
    expect(text).toContain('Training snapshots built without the subject');
    expect(text).toContain(`Training snapshot ${SNAPSHOT} version 2`);
    expect(text).not.toContain(`${SNAPSHOT} version 1 `);
    const erased = await t.deps.db('do_not_train').where({ reason: 'erased', request_id: id }).pluck('subject_index');
    expect(erased).toEqual(
      expect.arrayContaining([
        t.deps.crypto.blindIndex(`customer_id:${objector.id}`),
        t.deps.crypto.blindIndex(`email:${objector.email}`),
      ]),
    );
  });
});

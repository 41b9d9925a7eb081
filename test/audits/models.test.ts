import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { runAudit } from '../../server/audits/runs';
import { markRetrained } from '../../server/requests/artefact-flags';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
}, 90_000);
afterAll(async () => {
  await t?.close();
});

let n = 0;
const run = () =>
  runAudit(t.deps, {
    kind: 'models',
    schedule: 'manual',
    tickAt: null,
    jobId: `models-${++n}`,
    triggeredBy: 'system:test',
  });
const finding = (model: string) =>
  t.deps
    .db('findings')
    .where({ kind: 'models', key: `retrain:${model}` })
    .first();
const DAY = 86_400_000;

async function flag(model: string, dueInDays: number) {
  const [req] = await t.deps
    .db('requests')
    .insert({
      type: 'erasure',
      regulation: 'gdpr',
      identity_index: 'x',
      submitted_by: 'user:x',
      received_at: new Date(),
      due_at: new Date(),
    })
    .returning('id');
  const [row] = await t.deps
    .db('ai_artefact_flags')
    .insert({
      kind: 'model_retraining_required',
      artefact: model,
      request_id: req.id,
      due_at: new Date(Date.now() + dueInDays * DAY),
    })
    .returning('id');
  return { requestId: req.id as string, flagId: String(row.id) };
}

describe('models', () => {
  it('a model past its retrain-by date is a high finding, deduplicated, remediated once retrained, reopened when flagged and overdue again', async () => {
    const overdue = await flag('support-assistant-v3', -2);
    await flag('support-assistant-v3', -1); // a second erasure, same model: still one finding
    await flag('churn-model', 10); // not due yet
    const done = await flag('ranker', -5);
    await markRetrained(t.deps, done.requestId, done.flagId, 'retrained in run 42', 'user:ml');

    const first = await run();
    expect(first.run.status).toBe('failed');
    expect(await finding('support-assistant-v3')).toMatchObject({ severity: 'high', status: 'open', occurrences: 1 });
    expect(await finding('churn-model')).toBeUndefined();
    expect(await finding('ranker')).toBeUndefined();
    const f = await finding('support-assistant-v3');
    expect(f.title).toContain('support-assistant-v3');
    expect(f.evidence.map((e: { href: string }) => e.href)).toContain(`/requests/${overdue.requestId}`);

    await run();
    expect(await t.deps.db('findings').where({ kind: 'models' })).toHaveLength(1);
    expect(await finding('support-assistant-v3')).toMatchObject({ status: 'open', occurrences: 2 });

    // Remediate: the model is retrained (every open flag on it resolved).
    await markRetrained(t.deps, overdue.requestId, overdue.flagId, 'retrained, see MLflow run 7', 'user:ml');
    expect((await run()).run.status).toBe('passed');
    expect(await finding('support-assistant-v3')).toMatchObject({ status: 'remediated', occurrences: 2 });

    // Plant again: a later erasure flags it and that date passes too.
    await flag('support-assistant-v3', -1);
    await run();
    expect(await finding('support-assistant-v3')).toMatchObject({ status: 'open', reopened: 1, occurrences: 3 });
  }, 90_000);
});

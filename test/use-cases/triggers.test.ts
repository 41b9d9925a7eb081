import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { auditJob } from '../../jobs/audit';
import { boardPanel } from '../../server/use-cases/panels';
import { api, CHATBOT, inReview, person, services, type Person } from './support';

let t: TestApp;
let steward: Person;
let owner: Person;
let b1: Person;
let b2: Person;

beforeAll(async () => {
  t = await createTestApp();
  steward = await person(t, 'data_steward');
  owner = await person(t, 'compliance_officer');
  [b1, b2] = [await person(t, 'ethics_board'), await person(t, 'board_chair')];
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function approved(): Promise<string> {
  const id = await inReview(t, steward, owner, [b1, b2]);
  await api(t, b1.token).post(`/use-cases/${id}/votes`, { vote: 'approve', comment: 'OK.' });
  await api(t, b2.token).post(`/use-cases/${id}/votes`, { vote: 'approve', comment: 'OK.' });
  expect((await t.deps.db('use_cases').where({ id }).first()).status).toBe('approved');
  return id;
}

const runSchedule = async () => {
  const tickAt = new Date().toISOString();
  const ctx = {
    deps: t.deps,
    jobId: `use_case_triggers_hourly:${tickAt}`,
    bundleHash: t.deps.policies.hash(),
    attempt: 1,
    progress: async () => {},
  };
  return auditJob.handle(ctx, { audit: 'use_case_triggers', schedule: 'use_case_triggers_hourly', tickAt }) as Promise<{
    reopened: Record<string, number>;
  }>;
};

describe('re-review triggers (schedule use_case_triggers_hourly)', () => {
  it('the schedule is in the shipped bundle and runs hourly', () => {
    const s = t.deps.policies.current().schedules.find((x) => x.audit === 'use_case_triggers');
    expect(s?.cron).toMatch(/^\d+ \* \* \* \*$/);
  });

  it('a passed re-review date sends an approved case back to review, audited, shown on the dashboard panel', async () => {
    const id = await approved();
    await t.deps
      .db('use_cases')
      .where({ id })
      .update({ next_review_at: new Date(Date.now() - 60_000) });
    const result = await runSchedule();
    expect(result.reopened.review_due).toBe(1);
    expect((await t.deps.db('use_cases').where({ id }).first()).status).toBe('in_review');
    expect(await t.deps.db('audit_log').where({ action: 'use_case.trigger', target: `use_case:${id}` })).toHaveLength(
      1,
    );
    expect(await t.deps.db('audit_log').where({ action: 'audit.use_case_triggers.passed' })).toHaveLength(1);
    const panel = await boardPanel(t.deps, b1.principal, () => true);
    expect(panel?.lines.map((l) => l.text).join('\n')).toMatch(/Back in review: .*re-review date .* passed/);
  });

  it('a model flagged "retraining required" after the decision sends the case back to review', async () => {
    const id = await approved();
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
    await t.deps.db('ai_artefact_flags').insert({
      kind: 'model_retraining_required',
      artefact: 'support-assistant-v3',
      request_id: req.id,
      created_at: new Date(Date.now() + 1000),
    });
    const result = await runSchedule();
    expect(result.reopened.model_flagged).toBeGreaterThanOrEqual(1);
    const trigger = await t.deps.db('use_case_triggers').where({ use_case_id: id }).first();
    expect(trigger.kind).toBe('model_flagged');
    expect((await t.deps.db('use_cases').where({ id }).first()).status).toBe('in_review');
  });

  it('changing the datasets of an approved case returns it to review as a data change', async () => {
    const id = await approved();
    const r = await t.deps.db('use_cases').where({ id }).first();
    const out = await services(t).cases.update(
      id,
      {
        fields: {
          title: r.title,
          ownerId: r.owner_id,
          purpose: r.purpose,
          models: r.models,
          dataCategories: r.data_categories,
          datasets: ['support.tickets'],
          datamapModels: r.datamap_models,
          personalDataUses: r.personal_data_uses,
          logRetention: '',
          humanOversight: '',
          affectedGroups: '',
          regions: [],
          goLive: null,
        },
      },
      steward.principal,
    );
    expect(out.ok).toBe(true);
    expect(await t.deps.db('use_case_triggers').where({ use_case_id: id }).pluck('kind')).toEqual(['data_changed']);
  });

  it('the board overrides the tier only with a justification, audited with both tiers', async () => {
    const res = await api(t, steward.token).post('/use-cases', { ...CHATBOT, ownerId: owner.id });
    const form = await services(t).cases.overrideTier(
      res.body.id,
      'high',
      'Used on vulnerable customers; we treat it as high risk.',
      b2.principal,
    );
    expect(form).toMatchObject({ tier: 'high' });
    const got = await api(t, b1.token).get(`/use-cases/${res.body.id}`);
    expect(got.body).toMatchObject({ tier: 'high', rulesTier: 'limited' });
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'use_case.tier_overridden', target: `use_case:${res.body.id}` })
      .first();
    expect(entry.details).toMatchObject({ rulesTier: 'limited', tier: 'high' });
  });
});

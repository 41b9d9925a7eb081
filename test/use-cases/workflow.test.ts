import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { sweepTriggers } from '../../server/use-cases/triggers';
import { api, CHATBOT, inReview, person, services, type Person } from './support';

let t: TestApp;
let steward: Person;
let owner: Person;
let b1: Person;
let b2: Person;
let b3: Person;

beforeAll(async () => {
  t = await createTestApp();
  steward = await person(t, 'data_steward');
  owner = await person(t, 'ethics_board');
  [b1, b2, b3] = [await person(t, 'ethics_board'), await person(t, 'ethics_board'), await person(t, 'board_chair')];
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const status = async (id: string) => (await t.deps.db('use_cases').where({ id }).first()).status as string;
const vote = (p: Person, id: string, body: object) => api(t, p.token).post(`/use-cases/${id}/votes`, body);

describe('the ethics board reviews a use case', () => {
  it('POST /api/v1/use-cases › classifies the chatbot as limited risk with the Art. 50(1) duty and the rules that fired', async () => {
    const res = await api(t, steward.token).post('/use-cases', CHATBOT);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'draft',
      role: 'deployer',
      tier: 'limited',
      transparencyDuties: ['interaction'],
      generalPurposeModel: true,
    });
    expect(res.body.rulesFired).toContainEqual(
      expect.objectContaining({ name: 'art50_1_interaction', article: 'Art. 50(1)' }),
    );
    const list = await api(t, steward.token).get('/use-cases?limit=1');
    expect(list.body.items).toHaveLength(1);
    expect(list.body).toHaveProperty('nextCursor');
  });

  it('GET /api/v1/openapi.json › documents the use-case endpoints', async () => {
    const doc = (await api(t, steward.token).get('/openapi.json')).body;
    for (const p of ['/use-cases', '/use-cases/{id}', '/use-cases/{id}/submit', '/use-cases/{id}/votes'])
      expect(doc.paths, p).toHaveProperty([p]);
    expect(
      doc.paths['/use-cases'].get.responses['200'].content['application/json'].schema.properties.items.items.required,
    ).toEqual(expect.arrayContaining(['tier', 'transparencyDuties', 'rulesFired', 'role']));
  });

  it('refuses a dataset that is not in the data map, naming the field', async () => {
    const res = await api(t, steward.token).post('/use-cases', { ...CHATBOT, datasets: ['crm.not_a_table'] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('crm.not_a_table');
  });

  it('quorum not met keeps the case in review', async () => {
    const id = await inReview(t, steward, owner, [b1, b2]);
    const res = await vote(b1, id, { vote: 'approve', comment: 'Hand-over to an agent is in place.' });
    expect(res.status).toBe(201);
    expect(res.body.decided).toBeNull();
    expect(await status(id)).toBe('in_review');
    expect(await t.deps.db('use_case_decisions').where({ use_case_id: id })).toHaveLength(0);
    const again = await vote(b1, id, { vote: 'reject', comment: 'Changed my mind.' });
    expect(again.status).toBe(409);
  });

  it("the owner's vote and a vote by a token the owner minted are refused, and audited", async () => {
    const id = await inReview(t, steward, owner, [b1, b2]);
    await expect(
      services(t).review.vote(id, { vote: 'approve', comment: 'My own case.', conditions: [] }, owner.principal),
    ).rejects.toThrow(/cannot vote/);
    const byToken = await vote(owner, id, { vote: 'approve', comment: 'Through my token.' });
    expect(byToken.status).toBe(403);
    const proposer = await vote({ ...steward, token: steward.token }, id, {
      vote: 'approve',
      comment: 'I proposed it.',
    });
    expect(proposer.status).toBe(403); // a steward has no use_case:review at all
    const denied = await t.deps.db('audit_log').where({ action: 'access.denied', target: `use_case:${id}` });
    expect(denied.length).toBeGreaterThanOrEqual(2);
    expect(await t.deps.db('use_case_votes').where({ use_case_id: id })).toHaveLength(0);
  });

  it('an unassigned board member cannot vote', async () => {
    const id = await inReview(t, steward, owner, [b1, b2]);
    expect((await vote(b3, id, { vote: 'approve', comment: 'Not on this review.' })).status).toBe(403);
  });

  it('a conditional approval stores its conditions with owner and due date and schedules the re-review', async () => {
    const id = await inReview(t, steward, owner, [b1, b2]);
    const r1 = await vote(b1, id, {
      vote: 'approve_with_conditions',
      comment: 'Only with a visible AI notice.',
      conditions: [
        { text: 'Show "you are chatting with an AI" before the first answer', due: '2027-01-15' },
        { text: 'Purge prompt logs after 30 days' },
      ],
    });
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    const r2 = await vote(b2, id, { vote: 'approve', comment: 'Fine.' });
    expect(r2.body.decided).toBe('approved_with_conditions');
    const row = await t.deps.db('use_cases').where({ id }).first();
    expect(row.status).toBe('approved_with_conditions');
    const months = (new Date(row.next_review_at).getTime() - Date.now()) / (30 * 86_400_000);
    expect(months).toBeGreaterThan(2.8); // conditional_review_within: P3M (the limited tier alone would be P1Y)
    expect(months).toBeLessThan(3.2);
    const conditions = await t.deps.db('use_case_conditions').where({ use_case_id: id }).orderBy('id');
    expect(conditions.map((c) => c.text)).toEqual([
      'Show "you are chatting with an AI" before the first answer',
      'Purge prompt logs after 30 days',
    ]);
    expect(conditions.every((c) => c.owner_id === owner.id)).toBe(true);
    expect(new Date(conditions[0].due_on).toISOString().slice(0, 10)).toBe('2027-01-15');
    const decision = await t.deps.db('use_case_decisions').where({ use_case_id: id }).first();
    expect(decision).toMatchObject({
      outcome: 'approved_with_conditions',
      tier: 'limited',
      bundle_hash: t.deps.policies.hash(),
    });
    expect(decision.rules_fired.map((r: { name: string }) => r.name)).toContain('art50_1_interaction');
    expect(decision.votes).toHaveLength(2);
    expect(await t.deps.db('audit_log').where({ action: 'use_case.decided', target: `use_case:${id}` })).toHaveLength(
      1,
    );
  });

  it('a high-risk case cannot be approved before its DPIA is complete; a prohibited one can only be rejected', async () => {
    const cv = {
      ...CHATBOT,
      title: 'CV screener',
      answers: { uses_under_own_authority: true, recruitment_selection: true },
    };
    const id = await inReview(t, steward, owner, [b1, b2], cv);
    const refused = await vote(b1, id, { vote: 'approve', comment: 'Looks fine.' });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.fields?.vote ?? JSON.stringify(refused.body)).toContain('DPIA');
    const scoring = {
      ...CHATBOT,
      title: 'Social score',
      answers: { uses_under_own_authority: true, social_scoring: true },
    };
    const p = await inReview(t, steward, owner, [b1, b2], scoring);
    expect((await vote(b1, p, { vote: 'approve', comment: 'No.' })).status).toBe(400);
    await vote(b1, p, { vote: 'reject', comment: 'Art. 5(1)(c).' });
    expect((await vote(b2, p, { vote: 'reject', comment: 'Prohibited.' })).body.decided).toBe('rejected');
  });

  it('a failed re-identification test on a linked dataset reopens an approved case, once, with an audit entry', async () => {
    const id = await inReview(t, steward, owner, [b1, b2]);
    await vote(b1, id, { vote: 'approve', comment: 'OK.' });
    await vote(b2, id, { vote: 'approve', comment: 'OK.' });
    expect(await status(id)).toBe('approved');
    const passed = await sweepTriggers(t.deps);
    expect(passed.reopened.reid_failed).toBe(0);
    const [run] = await t.deps
      .db('reid_runs')
      .insert({
        dataset: 'assistant.training_snapshot_2026_10',
        source: 'postgres',
        release_kind: 'training_snapshot',
        options: {},
        status: 'done',
        passed: false,
        requested_by: 'user:x',
        finished_at: new Date(Date.now() + 1000),
      })
      .returning('id');
    const swept = await sweepTriggers(t.deps);
    expect(swept.reopened.reid_failed).toBeGreaterThanOrEqual(1);
    expect(await status(id)).toBe('in_review');
    const trigger = await t.deps.db('use_case_triggers').where({ use_case_id: id }).first();
    expect(trigger).toMatchObject({ kind: 'reid_failed', key: run.id });
    expect(await t.deps.db('audit_log').where({ action: 'use_case.trigger', target: `use_case:${id}` })).toHaveLength(
      1,
    );
    await sweepTriggers(t.deps);
    expect(await t.deps.db('use_case_triggers').where({ use_case_id: id })).toHaveLength(1);
  });

  it('an edited assessment after a decision creates a new version with a diff, back in review with no votes', async () => {
    const id = await inReview(t, steward, owner, [b1, b2]);
    await vote(b1, id, { vote: 'approve', comment: 'OK.' });
    await vote(b2, id, { vote: 'approve', comment: 'OK.' });
    const { cases } = services(t);
    const out = await cases.update(
      id,
      { assessment: { dpia: { risks: 'Tickets may hold health data.' }, fria: {} } },
      steward.principal,
    );
    expect(out.ok).toBe(true);
    const row = await t.deps.db('use_cases').where({ id }).first();
    expect(row).toMatchObject({ version: 2, status: 'in_review' });
    const versions = await t.deps.db('use_case_versions').where({ use_case_id: id }).orderBy('version');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1].snapshot.assessment.dpia.risks).toBe('Tickets may hold health data.');
    expect(await t.deps.db('use_case_votes').where({ use_case_id: id, version: 2 })).toHaveLength(0);
    const trigger = await t.deps.db('use_case_triggers').where({ use_case_id: id }).first();
    expect(trigger.kind).toBe('edited');
    const data = await cases.update(
      id,
      { fields: { ...(await fieldsOf(id)), datasets: ['support.tickets'] } },
      steward.principal,
    );
    expect(data.ok).toBe(true);
    expect((await t.deps.db('use_cases').where({ id }).first()).version).toBe(3);
  });
});

async function fieldsOf(id: string) {
  const r = await t.deps.db('use_cases').where({ id }).first();
  return {
    title: r.title,
    ownerId: r.owner_id,
    purpose: r.purpose,
    models: r.models,
    dataCategories: r.data_categories,
    datasets: r.datasets,
    datamapModels: r.datamap_models,
    personalDataUses: r.personal_data_uses,
    logRetention: r.log_retention,
    humanOversight: r.human_oversight,
    affectedGroups: r.affected_groups,
    regions: r.regions,
    goLive: null,
  };
}

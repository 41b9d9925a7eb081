import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { runAudit } from '../../server/audits/runs';
import { api, inReview, person, services, type Person } from '../use-cases/support';

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

let n = 0;
const run = () =>
  runAudit(t.deps, {
    kind: 'use_case_triggers',
    schedule: 'manual',
    tickAt: null,
    jobId: `use-case-triggers-${++n}`,
    triggeredBy: 'system:test',
  });
const status = async (id: string) => (await t.deps.db('use_cases').where({ id }).first()).status;
const approveAll = async (id: string) => {
  for (const p of [b1, b2]) {
    const res = await api(t, p.token).post(`/use-cases/${id}/votes`, { vote: 'approve', comment: 'OK.' });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }
  expect(await status(id)).toBe('approved');
};
// Plant: the approved case's re-review date passes (a trigger fires once per date).
const reviewDatePasses = (id: string, daysAgo: number) =>
  t.deps
    .db('use_cases')
    .where({ id })
    .update({ next_review_at: new Date(Date.now() - daysAgo * 86_400_000 - 60_000) });

describe('use_case_triggers', () => {
  it('a case sent back to the board is a finding until the board decides again, deduplicated, and reopens on the next trigger', async () => {
    const id = await inReview(t, steward, owner, [b1, b2]);
    await approveAll(id);
    const finding = () => t.deps.db('findings').where({ kind: 'use_case_triggers', key: `use_case:${id}` });

    expect((await run()).run.summary).toMatchObject({ reopened: { review_due: 0 }, awaitingReview: [] });
    expect(await finding()).toHaveLength(0);

    await reviewDatePasses(id, 0);
    const first = await run();
    expect(first.run.summary).toMatchObject({ reopened: { review_due: 1 }, awaitingReview: [id] });
    expect(await status(id)).toBe('in_review');
    const [f] = await finding();
    expect(f).toMatchObject({ severity: 'medium', status: 'open', occurrences: 1 });
    expect(f.detail).toMatch(/re-review date .* passed/);

    // Still waiting: the sweep does not send it back twice, but the finding is seen again.
    const second = await run();
    expect(second.run.summary).toMatchObject({ reopened: { review_due: 0 }, awaitingReview: [id] });
    expect(await finding()).toHaveLength(1);
    expect((await finding())[0]).toMatchObject({ id: f.id, status: 'open', occurrences: 2 });

    // Remediate: the steward updates the assessment (a new version) and the board approves it.
    const edited = await services(t).cases.update(
      id,
      { assessment: { dpia: { risks: 'Reviewed again after a year.' }, fria: {} } },
      steward.principal,
    );
    expect(edited.ok).toBe(true);
    await approveAll(id);
    await run();
    expect((await finding())[0]).toMatchObject({ status: 'remediated', occurrences: 2 });
    expect(await t.deps.db('audit_log').where({ action: 'finding.resolved', target: `finding:${f.id}` })).toHaveLength(
      1,
    );

    // Planted again: a later review date passes too.
    await reviewDatePasses(id, 2);
    await run();
    expect(await status(id)).toBe('in_review');
    expect(await finding()).toHaveLength(1);
    expect((await finding())[0]).toMatchObject({ id: f.id, status: 'open', reopened: 1, occurrences: 3 });
  }, 90_000);
});

// Other areas check people through auth's look-ups (auth owns `users`): a use case's owner and its
// reviewers, a finding's owner, a request's assignee. The checks refuse whom they refused when each
// area ran its own SQL on `users`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { api, CHATBOT, person, services, type Person } from '../use-cases/support';
import { changeFinding } from '../../server/audits/commands';
import { activeUsersAmong } from '../../server/auth';

let t: TestApp;
let steward: Person;
let owner: Person;
let board: Person;
let chair: Person;
let gone: Person;
let goneBoard: Person;

beforeAll(async () => {
  t = await createTestApp();
  steward = await person(t, 'data_steward');
  owner = await person(t, 'ethics_board');
  board = await person(t, 'ethics_board');
  chair = await person(t, 'board_chair');
  gone = await person(t, 'data_steward');
  goneBoard = await person(t, 'board_chair');
  await t.deps.db('users').whereIn('id', [gone.id, goneBoard.id]).update({ disabled_at: new Date() });
}, 60_000);
afterAll(() => t?.close());

describe('people looked up through auth', () => {
  it('activeUsersAmong keeps the active holders of the roles among the ids', async () => {
    const ids = [steward.id, owner.id, board.id, gone.id, goneBoard.id];
    const found = await activeUsersAmong(t.deps.db, ids, ['ethics_board', 'board_chair']);
    expect(found.map((u) => u.id).sort()).toEqual([owner.id, board.id].sort());
  });

  it('a use case owned by a disabled user is refused; by an active one, accepted', async () => {
    const refused = await api(t, steward.token).post('/use-cases', { ...CHATBOT, ownerId: gone.id });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('Choose an active user as the owner.');
    const created = await api(t, steward.token).post('/use-cases', { ...CHATBOT, ownerId: owner.id });
    expect(created.status).toBe(201);
  });

  it('reviewers must be active members of the board', async () => {
    const created = await api(t, steward.token).post('/use-cases', { ...CHATBOT, ownerId: owner.id });
    await api(t, steward.token).post(`/use-cases/${created.body.id}/submit`);
    const { review } = services(t);
    for (const ids of [
      [board.id, steward.id],
      [board.id, goneBoard.id],
    ]) {
      const out = await review.assign(created.body.id, ids, steward.principal);
      expect(out).toMatchObject({ ok: false, errors: { reviewerIds: 'Choose active members of the ethics board.' } });
    }
    expect((await review.assign(created.body.id, [board.id, chair.id], steward.principal)).ok).toBe(true);
  });

  it('a finding is assigned to a user who exists, never to an unknown id', async () => {
    const [f] = await t.deps
      .db('findings')
      .insert({
        kind: 'overdue_requests',
        key: 'test:people',
        severity: 'low',
        severity_rank: 1,
        title: 'A test finding',
      })
      .returning('id');
    await expect(
      changeFinding(t.deps, f.id, { action: 'assign', owner: '00000000-0000-4000-8000-000000000000' }, 'system:test'),
    ).rejects.toThrow('No such user.');
    const assigned = await changeFinding(t.deps, f.id, { action: 'assign', owner: steward.id }, 'system:test');
    expect(assigned.owner).toBe(steward.id);
  });
});

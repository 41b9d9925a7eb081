// The request state machine (server/requests/status.ts): the table itself, and moveAudited
// refusing a move the table does not allow, on a real database, with no audit entry written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { createRequestService } from '../../server/requests/service';
import { moveAudited } from '../../server/requests/lifecycle';
import { requestById } from '../../server/requests/queries';
import { destroyedIdentity } from '../../server/requests/identity-fields';
import {
  ACTIVE_STATUSES,
  actionsFor,
  canMove,
  FINAL_STATUSES,
  IllegalTransitionError,
  OPEN_STATUSES,
  REQUEST_STATUSES,
  STATUS,
  statusesFor,
  WORKER_STATUSES,
} from '../../server/requests/status';

describe('the request state machine table', () => {
  it('names every status once, splits them into open and closed, and only moves to statuses it knows', () => {
    expect([...OPEN_STATUSES, ...FINAL_STATUSES].sort()).toEqual([...REQUEST_STATUSES].sort());
    expect(FINAL_STATUSES).toEqual(['completed', 'part_held', 'denied', 'no_data']);
    for (const s of REQUEST_STATUSES) for (const n of STATUS[s].next) expect(REQUEST_STATUSES).toContain(n);
    expect(ACTIVE_STATUSES).toEqual(['approved', 'running', 'verifying']);
    expect(WORKER_STATUSES).toEqual(['approved', 'on_hold', 'running', 'verifying']);
  });

  it('allows the workflow and refuses skipping ahead, reopening or leaving a final status', () => {
    const path = ['received', 'identity_verified', 'approved', 'running', 'verifying', 'completed'] as const;
    for (let i = 1; i < path.length; i++) expect(canMove(path[i - 1], path[i])).toBe(true);
    expect(canMove('verifying', 'part_held')).toBe(true);
    expect(canMove('part_held', 'completed')).toBe(true);
    expect(canMove('needs_attention', 'approved')).toBe(true);
    expect(canMove('identity_verified', 'no_data')).toBe(true);
    expect(canMove('received', 'no_data')).toBe(false);
    expect(canMove('received', 'approved')).toBe(false);
    expect(canMove('received', 'completed')).toBe(false);
    expect(canMove('completed', 'running')).toBe(false);
    expect(canMove('denied', 'received')).toBe(false);
    expect(canMove('completed', 'completed')).toBe(false);
    // An open request may stay where it is (an extension changes its deadline, not its status).
    expect(canMove('running', 'running')).toBe(true);
  });

  it('offers each action only where the workflow allows it, and nothing on a closed request', () => {
    expect(statusesFor('verify')).toEqual(['received']);
    expect(statusesFor('approve')).toEqual(['identity_verified']);
    expect(statusesFor('deny')).toEqual(['received', 'identity_verified']);
    expect(statusesFor('retry')).toEqual(['needs_attention']);
    expect(statusesFor('close_no_data')).toEqual(['identity_verified']);
    expect(statusesFor('extend')).toEqual(OPEN_STATUSES);
    for (const s of FINAL_STATUSES) expect(Object.values(actionsFor(s)).some(Boolean)).toBe(false);
    expect(actionsFor('received')).toEqual({
      verify: true,
      approve: false,
      deny: true,
      extend: true,
      acknowledge: true,
      retry: false,
      close_no_data: false,
    });
  });
});

describe('moveAudited', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const who = { kind: 'user' as const, id: 'user:status-test', role: 'compliance_officer', name: 'x' };
  const auditCount = async (id: string) =>
    Number(
      (
        await t.deps
          .db('audit_log')
          .where({ target: `request:${id}` })
          .count({ n: '*' })
      )[0].n,
    );
  const event = { actor: 'system:test', action: 'request.test_move' };

  it('refuses a transition the table does not allow: the row stays and no audit entry is written', async () => {
    const service = createRequestService(t.deps);
    const row = await service.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: 'status-machine@example.com' }, reference: '' },
      who,
    );
    const before = await auditCount(row.id);
    expect(before).toBe(1); // request.create

    // Skipping identity verification and the four-eyes approval.
    await expect(moveAudited(t.deps, row.id, ['received'], { status: 'approved' }, event)).rejects.toBeInstanceOf(
      IllegalTransitionError,
    );
    // A from-list with one illegal source is refused whole, whatever the row's status is.
    await expect(
      moveAudited(t.deps, row.id, ['received', 'completed'], { status: 'identity_verified' }, event),
    ).rejects.toThrow(/cannot move from completed to identity_verified/);
    expect((await requestById(t.deps.db, row.id))!.status).toBe('received');
    expect(await auditCount(row.id)).toBe(before);

    // A final status is never left, not even inside the caller's transaction.
    await t.deps
      .db('requests')
      .where({ id: row.id })
      .update({ status: 'completed', completed_at: new Date(), ...destroyedIdentity() });
    await expect(
      t.deps.db.transaction((trx) => moveAudited(t.deps, row.id, ['completed'], { status: 'running' }, event, trx)),
    ).rejects.toBeInstanceOf(IllegalTransitionError);
    expect((await requestById(t.deps.db, row.id))!.status).toBe('completed');
    expect(await auditCount(row.id)).toBe(before);
  });

  it('still moves along the table, with exactly one audit entry', async () => {
    const service = createRequestService(t.deps);
    const row = await service.create(
      { type: 'access', regulation: 'gdpr', identity: { email: 'status-legal@example.com' }, reference: '' },
      who,
    );
    const moved = await moveAudited(t.deps, row.id, ['received'], { status: 'identity_verified' }, event);
    expect(moved?.status).toBe('identity_verified');
    expect(
      await t.deps
        .db('audit_log')
        .where({ target: `request:${row.id}`, action: 'request.test_move' })
        .count({ n: '*' }),
    ).toEqual([{ n: '1' }]);
    // Legal, but the status had moved on: nothing written (the old contract).
    expect(await moveAudited(t.deps, row.id, ['received'], { status: 'identity_verified' }, event)).toBeUndefined();
    expect(await auditCount(row.id)).toBe(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { withLease, LeaseHeldError } from '../../jobs/lease';

let t: TestDatabase;
let id: string;
beforeAll(async () => {
  t = await createTestDatabase();
  [{ id }] = await t
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
});
afterAll(() => t.drop());

describe('leases', () => {
  it('a second worker cannot take a held lease, and the lease is released afterwards', async () => {
    await withLease(t.db, 'requests', id, async () => {
      await expect(withLease(t.db, 'requests', id, async () => 'second')).rejects.toBeInstanceOf(LeaseHeldError);
    });
    expect(await withLease(t.db, 'requests', id, async () => 'after')).toBe('after');
    expect((await t.db('requests').where({ id }).first()).lease_owner).toBeNull();
  });

  it('a worker whose lease was taken over stops at its next check', async () => {
    const result = withLease(
      t.db,
      'requests',
      id,
      async (lease) => {
        // Another worker takes over (as after this one stalled past the lease).
        await t
          .db('requests')
          .where({ id })
          .update({ lease_owner: 'someone-else', lease_until: t.db.raw(`now() + interval '1 minute'`) });
        await new Promise((r) => setTimeout(r, 400));
        lease.assertHeld();
        return 'kept going';
      },
      100,
    );
    await expect(result).rejects.toThrow(/lost the lease/);
    expect((await t.db('requests').where({ id }).first()).lease_owner).toBe('someone-else');
  });
});

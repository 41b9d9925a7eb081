// Mutual exclusion per request across workers, kept in Postgres: a lease renewed by a
// heartbeat while the job runs. A worker that dies stops renewing, and the lease lapses.
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export const LEASE_MS = 20_000;
const HEARTBEAT_MS = 5_000;

/** Thrown when another worker holds the request: transient, the job is retried later. */
export class LeaseHeldError extends Error {
  override name = 'LeaseHeldError';
}

export async function withLease<T>(db: Knex, requestId: string, fn: () => Promise<T>): Promise<T> {
  const owner = crypto.randomUUID();
  const take = () =>
    db('requests')
      .where({ id: requestId })
      .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', db.fn.now()).orWhere('lease_owner', owner))
      .update({ lease_owner: owner, lease_until: db.raw(`now() + interval '${LEASE_MS} milliseconds'`) });
  if ((await take()) === 0) throw new LeaseHeldError(`request ${requestId} is being processed by another worker`);
  const heartbeat = setInterval(() => void take().catch(() => {}), HEARTBEAT_MS);
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await db('requests').where({ id: requestId, lease_owner: owner }).update({ lease_owner: null, lease_until: null });
  }
}

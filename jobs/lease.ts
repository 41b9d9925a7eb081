// One worker per piece of work, across processes: a lease on the work's row in Postgres,
// renewed by a heartbeat while the job runs. A worker that dies stops renewing and the lease
// lapses. Needed beside job ids because after a Redis flush the reconciler may enqueue work whose
// first run is still alive on another worker.
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export const LEASE_MS = 20_000;
const HEARTBEAT_MS = 5_000;

/** Tables whose rows carry `lease_owner` and `lease_until`. */
export type LeasedTable = 'requests' | 'reid_runs';

/** Thrown when another worker holds the row: transient, the job is retried later (see worker.ts). */
export class LeaseHeldError extends Error {
  override name = 'LeaseHeldError';
}

export async function withLease<T>(db: Knex, table: LeasedTable, id: string, fn: () => Promise<T>): Promise<T> {
  const owner = crypto.randomUUID();
  const take = () =>
    db(table)
      .where({ id })
      .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', db.fn.now()).orWhere('lease_owner', owner))
      .update({ lease_owner: owner, lease_until: db.raw(`now() + interval '${LEASE_MS} milliseconds'`) });
  // A missing row has nothing to protect: the handler finds it gone and skips.
  if ((await take()) === 0 && (await db(table).where({ id }).first('id'))) {
    throw new LeaseHeldError(`${table} ${id} is being processed by another worker`);
  }
  const heartbeat = setInterval(() => void take().catch(() => {}), HEARTBEAT_MS);
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await db(table).where({ id, lease_owner: owner }).update({ lease_owner: null, lease_until: null });
  }
}

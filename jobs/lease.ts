// One worker per piece of work, across processes: a lease on the work's row in Postgres,
// renewed by a heartbeat while the job runs. A worker that dies stops renewing and the lease
// lapses. Needed beside job ids because after a Redis flush the reconciler may enqueue work whose
// first run is still alive on another worker.
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export const LEASE_MS = 20_000;
const HEARTBEAT_MS = 5_000;

/** Tables whose rows carry `lease_owner` and `lease_until`. */
export type LeasedTable = 'requests' | 'reid_runs' | 'reports' | 'anonymization_runs';

/** Thrown when another worker holds the row: transient, the job is retried later (see worker.ts). */
export class LeaseHeldError extends Error {
  override name = 'LeaseHeldError';
}

export interface Lease {
  /** Throws when a heartbeat found the lease taken over: stop before doing more work. */
  assertHeld(): void;
}

export async function withLease<T>(
  db: Knex,
  table: LeasedTable,
  id: string,
  fn: (lease: Lease) => Promise<T>,
  heartbeatMs = HEARTBEAT_MS,
): Promise<T> {
  const owner = crypto.randomUUID();
  const take = () =>
    db(table)
      .where({ id })
      .andWhere((q) =>
        q.whereNull('lease_until').orWhere('lease_until', '<', db.fn.now()).orWhere('lease_owner', owner),
      )
      .update({ lease_owner: owner, lease_until: db.raw(`now() + make_interval(secs => ?)`, [LEASE_MS / 1000]) });
  // A missing row has nothing to protect: the handler finds it gone and skips.
  if ((await take()) === 0 && (await db(table).where({ id }).first('id'))) {
    throw new LeaseHeldError(`${table} ${id} is being processed by another worker`);
  }
  let lost = false;
  // A renewal that updates no row means another worker took the lease after ours lapsed (a
  // long pause, a lost connection): from then on this run must not write anything more.
  const heartbeat = setInterval(
    () =>
      void take().then(
        (n) => (lost ||= n === 0),
        () => {},
      ),
    heartbeatMs,
  );
  const lease: Lease = {
    assertHeld() {
      if (lost) throw new LeaseHeldError(`lost the lease on ${table} ${id}; stopping`);
    },
  };
  try {
    return await fn(lease);
  } finally {
    clearInterval(heartbeat);
    await db(table).where({ id, lease_owner: owner }).update({ lease_owner: null, lease_until: null });
  }
}

// One worker per run, across processes: the requests' lease pattern (server/requests/lease.ts)
// on reid_runs. A worker that dies stops renewing, and the lease lapses for the next attempt.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { LEASE_MS, LeaseHeldError } from '../requests/lease';

const HEARTBEAT_MS = 5_000;

export async function withRunLease<T>(db: Knex, runId: string, fn: () => Promise<T>): Promise<T> {
  const owner = crypto.randomUUID();
  const take = () =>
    db('reid_runs')
      .where({ id: runId })
      .andWhere((q) => q.whereNull('lease_until').orWhere('lease_until', '<', db.fn.now()).orWhere('lease_owner', owner))
      .update({ lease_owner: owner, lease_until: db.raw(`now() + interval '${LEASE_MS} milliseconds'`) });
  // A missing run has nothing to protect: the handler finds it gone and skips.
  if ((await take()) === 0 && (await db('reid_runs').where({ id: runId }).first('id'))) {
    // The same error class the worker knows not to count as the run's failure.
    throw new LeaseHeldError(`re-identification run ${runId} is being processed by another worker`);
  }
  const heartbeat = setInterval(() => void take().catch(() => {}), HEARTBEAT_MS);
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await db('reid_runs').where({ id: runId, lease_owner: owner }).update({ lease_owner: null, lease_until: null });
  }
}

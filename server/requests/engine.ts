// The bridge between a request row and the erasure engine (server/erasure): connections from
// the configuration, the deletion policy as a decide function, per-request hash keys, the
// discovered identity kept encrypted across reruns, and checkpoints in `request_steps`.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { PolicyBundle } from '../policies/types';
import { decideDeletion } from '../policies/deletion';
import { createConnections, type Connections } from '../erasure/connections';
import { discoverIdentities, normalizeIdentity } from '../erasure/discover';
import { planRequest } from '../erasure/plan';
import type { Checkpoints, PlannedCounts } from '../erasure/execute';
import type { Decide, ErasurePlan, Identity, Keys, StepResult } from '../erasure/types';
import type { RequestRow } from './queries';

export const decideFor = (bundle: PolicyBundle): Decide => (q) => decideDeletion(bundle.deletion, q);

export function connectionsFor(deps: Deps, bundle: PolicyBundle): Connections {
  return createConnections(bundle.datamap, (system) => deps.config.systemUrl(system.connectionEnv));
}

/** Hash keys: per request (hashes cannot be linked across requests), pseudonyms system-wide. */
export function keysFor(deps: Deps, requestId: string): Keys {
  return {
    hash: crypto.createHmac('sha256', deps.crypto.key('pseudonym')).update(`request-hash:${requestId}`).digest(),
    pseudonym: deps.crypto.key('pseudonym'),
  };
}

export const planFor = (bundle: PolicyBundle, row: RequestRow): ErasurePlan =>
  planRequest({ datamap: bundle.datamap, decide: decideFor(bundle), regulation: row.regulation });

/** The subject's full identity: discovered once, then reused from the encrypted copy. */
export async function identityFor(deps: Deps, row: RequestRow, bundle: PolicyBundle, connections: Connections): Promise<Identity | null> {
  if (row.discovered_enc) return JSON.parse(deps.crypto.decrypt(row.discovered_enc));
  if (!row.identity_enc) return null;
  const given = normalizeIdentity(JSON.parse(deps.crypto.decrypt(row.identity_enc)));
  const discovered = await discoverIdentities({ datamap: bundle.datamap, connections, identity: given });
  await deps.db('requests').where({ id: row.id }).update({ discovered_enc: deps.crypto.encrypt(JSON.stringify(discovered)) });
  return discovered;
}

/** Checkpoints in Postgres: a step is marked done once, whatever reruns happen. */
export function checkpoints(db: Knex, requestId: string, onProgress: (done: number, total: number, step: string) => Promise<void>): Checkpoints {
  const step = (key: string) => db('request_steps').where({ request_id: requestId, step_key: key });
  return {
    async isDone(key) {
      const row = await step(key).andWhere({ status: 'done' }).first('details');
      return row ? (row.details.result as StepResult) : null;
    },
    async markDone(key, result) {
      await step(key)
        .andWhere({ status: 'pending' })
        .update({
          status: 'done',
          rows_affected: result.rowsAffected,
          rows_kept: result.rowsKept,
          details: db.raw(`details || ?::jsonb`, [JSON.stringify({ result })]),
          applied_count: db.raw('applied_count + 1'),
          done_at: db.fn.now(),
        });
    },
    async markStarted(key, planned) {
      await step(key).update({ details: db.raw(`details || ?::jsonb`, [JSON.stringify({ planned })]) });
    },
    async started(key) {
      const row = await step(key).first('details');
      return (row?.details?.planned as PlannedCounts | undefined) ?? null;
    },
    progress: onProgress,
  };
}

export async function recordSteps(db: Knex, requestId: string, plan: ErasurePlan): Promise<void> {
  if (!plan.steps.length) return;
  await db('request_steps')
    .insert(plan.steps.map((s, i) => ({ request_id: requestId, step_key: s.key, position: i, system: s.system, dataset: s.dataset })))
    .onConflict(['request_id', 'step_key'])
    .ignore();
}

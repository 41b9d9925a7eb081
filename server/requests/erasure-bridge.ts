// The bridge between a request row and the erasure engine (server/erasure): connections from
// the configuration, the deletion policy as a decide function, per-request hash keys, the
// discovered identity kept encrypted across reruns, and checkpoints in `request_steps`.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { PolicyBundle } from '../policies/types';
import { decideDeletion } from '../policies/deletion';
import {
  createConnections,
  processExclusive,
  processPools,
  resolverFor,
  type Connections,
} from '../systems/connections';
import { advisoryExclusive } from '../db/advisory-lock';
import { mergeIdentity, normalizeIdentity } from '../erasure/discover';
import { discoverForRequest, type SharedValue } from './shared-values';
import { planRequest } from '../erasure/plan';
import { withDatabaseKeys } from '../erasure/primary-keys';
import { recordSubjectValues } from '../erasure/subject-values';
import type { Checkpoints, PlannedCounts } from '../erasure/execute';
import { addResults, type SecondPassStore } from '../erasure/second-pass';
import { SPELLED } from '../erasure/sql';
import type { Decide, ErasurePlan, HeldBy, Identity, Keys, StepResult } from '../erasure/types';
import type { RequestRow } from './queries';
import { noteLogIdentities } from '../logger';

export const decideFor =
  (bundle: PolicyBundle): Decide =>
  (q) =>
    decideDeletion(bundle.deletion, q);

/**
 * The systems of the bundle's map for one job. Files rewrites exclude each other across every worker
 * process on this database. The pools are the process's (kept warm for the next job) unless `shared`
 * is false.
 */
export function connectionsFor(deps: Deps, bundle: PolicyBundle, opts: { shared?: boolean } = {}): Connections {
  return createConnections(bundle.datamap, resolverFor(deps.config), {
    exclusive: advisoryExclusive(deps.db, processExclusive),
    ...(opts.shared === false ? {} : { pools: processPools }),
  });
}

/** Hash keys: per request (hashes cannot be linked across requests), pseudonyms system-wide. */
export function keysFor(deps: Deps, requestId: string): Keys {
  return {
    hash: crypto.createHmac('sha256', deps.crypto.key('pseudonym')).update(`request-hash:${requestId}`).digest(),
    pseudonym: deps.crypto.key('pseudonym'),
  };
}

/**
 * The request's plan under the bundle's legal holds (heldBy, for this subject, now): held tables
 * are kept and recorded by key. `holds: false` plans as if no hold stood, for the follow-up that
 * erases the held rows once their hold has ended. Keys the map does not declare are read from the
 * databases (server/erasure/primary-keys.ts).
 */
export const planFor = async (
  bundle: PolicyBundle,
  row: RequestRow,
  connections: Connections,
  opts: { holds?: boolean; now?: Date } = {},
): Promise<ErasurePlan> => planWith(bundle, row, await withDatabaseKeys(bundle.datamap, connections), opts);

/** The same plan without reading undeclared keys (which tables a hold keeps does not depend on them). */
export const planWith = (
  bundle: PolicyBundle,
  row: RequestRow,
  datamap = bundle.datamap,
  opts: { holds?: boolean; now?: Date } = {},
): ErasurePlan =>
  planRequest({
    datamap,
    decide: decideFor(bundle),
    regulation: row.regulation,
    ...(opts.holds === false
      ? {}
      : { holds: { holds: bundle.retention.legalHolds, subject: row.identity_index, now: opts.now ?? new Date() } }),
  });

/** Held tables of a plan, for the verification scan ("<system>.<table>" → hold). */
export const heldSteps = (plan: ErasurePlan): Map<string, HeldBy> =>
  new Map(plan.steps.filter((s) => s.held).map((s) => [s.key, s.held!]));

/**
 * The subject's full identity: discovered once, then reused from the encrypted copy. The dry-run
 * preview passes `persist: false`: a GET keeps nothing (the identity is discovered again).
 */
export async function identityFor(
  deps: Deps,
  row: RequestRow,
  bundle: PolicyBundle,
  connections: Connections,
  opts: { persist?: boolean } = {},
): Promise<Identity | null> {
  return (await identityAndShared(deps, row, bundle, connections, opts))?.identity ?? null;
}

/**
 * The identity and the values other people's rows hold too, with the officer's decisions
 * (server/requests/shared-values.ts). Once the discovered identity is kept (the job started),
 * decisions can no longer change it: the shared list is then empty.
 */
export async function identityAndShared(
  deps: Deps,
  row: RequestRow,
  bundle: PolicyBundle,
  connections: Connections,
  opts: { persist?: boolean } = {},
): Promise<{ identity: Identity; shared: SharedValue[] } | null> {
  if (row.discovered_enc) {
    const known = JSON.parse(deps.crypto.decrypt(row.discovered_enc)) as Identity;
    noteLogIdentities(known);
    return { identity: known, shared: [] };
  }
  const given = givenIdentity(deps, row, bundle);
  if (!given) return null;
  const { identity: discovered, shared } = await discoverForRequest(deps, row, bundle, connections, given);
  noteLogIdentities(discovered);
  if (opts.persist === false) return { identity: discovered, shared };
  await deps
    .db('requests')
    .where({ id: row.id })
    .update({ discovered_enc: deps.crypto.encrypt(JSON.stringify(discovered)) });
  return { identity: discovered, shared };
}

/** The identity given with the request (normalized), or null once it was destroyed. */
export function givenIdentity(deps: Deps, row: RequestRow, bundle: PolicyBundle): Identity | null {
  if (!row.identity_enc) return null;
  const given = normalizeIdentity(JSON.parse(deps.crypto.decrypt(row.identity_enc)), bundle.datamap.phoneRegion);
  noteLogIdentities(given);
  return given;
}

/**
 * Every identity value held in the subject's rows, recorded (encrypted) before the first step and
 * reused on reruns: after a crash the rows may be gone. Verification scans for these.
 */
export async function subjectValuesFor(
  deps: Deps,
  row: RequestRow,
  bundle: PolicyBundle,
  connections: Connections,
  identity: Identity,
): Promise<Identity> {
  if (row.subject_values_enc) return JSON.parse(deps.crypto.decrypt(row.subject_values_enc));
  const values = await recordSubjectValues({ datamap: bundle.datamap, connections, identity });
  await deps
    .db('requests')
    .where({ id: row.id })
    .whereNull('subject_values_enc')
    .update({ subject_values_enc: deps.crypto.encrypt(JSON.stringify(values)) });
  return values;
}

/**
 * Before the second pass: the widened identity is kept (a rerun starts from it) and the values its
 * rows hold are added to the recorded ones, read while those rows still exist.
 */
export async function keepWidened(
  deps: Deps,
  row: RequestRow,
  bundle: PolicyBundle,
  connections: Connections,
  identity: Identity,
  values: Identity,
): Promise<Identity> {
  noteLogIdentities(identity);
  const more = await recordSubjectValues({ datamap: bundle.datamap, connections, identity });
  const merged = normalizeIdentity(mergeIdentity(values, more), bundle.datamap.phoneRegion);
  // Verification looks for blanks by itself: the raw spellings need not be kept twice.
  for (const k of Object.keys(merged)) if (k.startsWith(SPELLED)) delete merged[k];
  await deps
    .db('requests')
    .where({ id: row.id })
    .update({
      discovered_enc: deps.crypto.encrypt(JSON.stringify(identity)),
      subject_values_enc: deps.crypto.encrypt(JSON.stringify(merged)),
    });
  return merged;
}

/** Checkpoints in Postgres: a step is marked done once, whatever reruns happen. */
export function checkpoints(
  db: Knex,
  requestId: string,
  onProgress: (done: number, total: number, step: string) => Promise<void>,
): Checkpoints {
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
    async recordHeld(planStep, keys, mentions) {
      const row = (k: string[], mentionColumn: string) => ({
        request_id: requestId,
        step_key: planStep.key,
        system: planStep.system,
        dataset: planStep.dataset,
        row_key: JSON.stringify(k),
        mention_column: mentionColumn,
        hold: planStep.held!.hold,
      });
      const rows = [
        ...keys.map((k) => row(k, '')),
        ...Object.entries(mentions).flatMap(([column, ks]) => ks.map((k) => row(k, column))),
      ];
      if (!rows.length) return;
      await db('request_held_rows')
        .insert(rows)
        .onConflict(['request_id', 'step_key', 'row_key', 'mention_column'])
        .ignore();
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

/**
 * The second pass's store (server/erasure/second-pass.ts): each step's result added to the stored
 * one under the row's lock, and the counts a step makes before it writes (`planned2`, cleared when its
 * result is added), so a rerun after a crash reads both passes' work back and counts nothing twice.
 */
export function secondPassStore(db: Knex, requestId: string): SecondPassStore {
  const where = (key: string) => ({ request_id: requestId, step_key: key });
  return {
    add: (key, result) =>
      db.transaction(async (trx) => {
        const row = await trx('request_steps').where(where(key)).forUpdate().first('details');
        const stored = row?.details?.result as StepResult | undefined;
        const merged = stored ? addResults(stored, result) : result;
        await trx('request_steps')
          .where(where(key))
          .update({
            rows_affected: merged.rowsAffected,
            rows_kept: merged.rowsKept,
            details: trx.raw(`(details - 'planned2') || ?::jsonb`, [JSON.stringify({ result: merged })]),
          });
      }),
    async markStarted(key, planned) {
      await db('request_steps')
        .where(where(key))
        .update({ details: db.raw(`details || ?::jsonb`, [JSON.stringify({ planned2: planned })]) });
    },
    async started(key) {
      const row = await db('request_steps').where(where(key)).first('details');
      return (row?.details?.planned2 as PlannedCounts | undefined) ?? null;
    },
  };
}

export async function recordSteps(db: Knex, requestId: string, plan: ErasurePlan): Promise<void> {
  if (!plan.steps.length) return;
  await db('request_steps')
    .insert(
      plan.steps.map((s, i) => ({
        request_id: requestId,
        step_key: s.key,
        position: i,
        system: s.system,
        dataset: s.dataset,
      })),
    )
    .onConflict(['request_id', 'step_key'])
    .ignore();
}

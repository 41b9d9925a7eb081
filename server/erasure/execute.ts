// Applying a plan: one step per table, each in its own transaction on the target system, each
// idempotent (its WHERE clause only matches rows that still hold the identity or still need erasing),
// so a worker killed at any point — even after the target committed and before Lethe checkpointed —
// is harmless: the rerun finds nothing left to do and reports 0 rows.
import type { Knex } from 'knex';
import type { ErasurePlan, Identity, Keys, PlanStep, StepResult } from './types';
import type { Connections } from './connections';
import { anyGuard, compileStep, type CompiledStep, type HashMaps } from './compile';
import { compileMentions } from './mentions';
import { hashValue, pseudonymize } from './strategies';
import { exec, FALSE, join, not, q, TRUE, type Frag, type SqlEnv } from './sql';
import { asConfigError, classifyError, ErasureConfigError } from './errors';
import { countSql, discoveredCounts, exemptionCounts } from './counts';
import { affectedArtefacts, type ArtefactReport } from './artefacts';

export { discoverIdentities, normalizeIdentity } from './discover';
export { previewRequest } from './preview';

export interface ErasureContext {
  connections: Connections;
  /** The discovered identity (discoverIdentities), kept by the caller across reruns. */
  identity: Identity;
  keys: Keys;
  /** Exemption windows are judged at this instant (default: now). */
  now?: Date;
  lockTimeoutMs?: number;
}

/** What a step is about to do, counted inside its transaction before any write. */
export interface PlannedCounts {
  matched: number;
  kept: number;
  toDelete: number;
  toUpdate: number;
  exemptions: StepResult['exemptions'];
  discovered: Record<string, number>;
}

export interface StepHooks {
  /** Called before the first write; runErasure stores it so a rerun can report what an interrupted attempt did. */
  onCounted?(planned: PlannedCounts): Promise<void>;
}

export async function executeStep(step: PlanStep, ctx: ErasureContext, hooks: StepHooks = {}): Promise<StepResult> {
  const started = performance.now();
  const db = ctx.connections.get(step.system);
  const env: SqlEnv = { system: step.system, schema: await ctx.connections.schema(step.system), identity: ctx.identity, now: ctx.now ?? new Date() };
  let compiled: CompiledStep;
  try {
    compiled = compileStep(step, env);
  } catch (err) {
    throw asConfigError(err, step.key);
  }
  try {
    const result = await db.transaction((trx) => applyStep(trx, step, compiled, env, ctx, hooks), {
      // One snapshot for the counting, hashing and writing statements; a concurrent writer makes it
      // fail with a serialization error, which is transient and retried.
      isolationLevel: 'repeatable read',
    });
    return { ...result, ms: Math.round(performance.now() - started) };
  } catch (err) {
    throw classifyError(err) === 'configuration' ? asConfigError(err, step.key) : err;
  }
}

async function applyStep(trx: Knex.Transaction, step: PlanStep, c: CompiledStep, env: SqlEnv, ctx: ErasureContext, hooks: StepHooks): Promise<Omit<StepResult, 'ms'>> {
  const keys = ctx.keys;
  // A lock held elsewhere (a long report query) fails the step as transient instead of hanging the job.
  await trx.raw(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(ctx.lockTimeoutMs ?? 10_000))}`);
  const run = (f: Frag) => exec(trx, f);
  const notes = [...c.notes];
  const result: Omit<StepResult, 'ms'> = { rowsAffected: 0, rowsDeleted: 0, rowsUpdated: 0, rowsKept: 0, mentionsErased: 0, exemptions: [], discovered: {}, notes };
  const table = q(c.table);

  if (c.owned !== FALSE) {
    const counts = (await run(countSql(c))).rows[0];
    result.rowsKept = Number(counts.kept);
    result.exemptions = exemptionCounts(c, counts);
    result.discovered = discoveredCounts(step, c, counts);
    const toDelete = c.deleteOwned ? Number(counts.matched) - Number(counts.kept) : 0;
    await hooks.onCounted?.({ matched: Number(counts.matched), kept: result.rowsKept, toDelete, toUpdate: Number(counts.updatable), exemptions: result.exemptions, discovered: result.discovered });
    const maps = await hashMaps(run, c.table, c.owned, c.changes.flatMap((ch) => ch.hashKinds.map((k) => ({ column: ch.column, kind: k }))), keys);
    if (c.deleteOwned) {
      const where = join([c.owned, not(c.kept)], 'AND', FALSE);
      result.rowsDeleted += (await run({ sql: `DELETE FROM ${table} WHERE ${where.sql}`, bindings: where.bindings })).rowCount;
    }
    if (c.changes.length) {
      const scope = c.updateScope === 'kept' ? c.kept : TRUE;
      const where = join([c.owned, scope, anyGuard(c.changes)], 'AND', FALSE);
      if (where !== FALSE && scope !== FALSE) {
        const sets = c.changes.map((ch) => ch.expr(maps));
        const sql = `UPDATE ${table} SET ${c.changes.map((ch, i) => `${q(ch.column)} = ${sets[i].sql}`).join(', ')} WHERE ${where.sql}`;
        result.rowsUpdated += (await run({ sql, bindings: [...sets.flatMap((s) => s.bindings), ...where.bindings] })).rowCount;
      }
    }
  }

  for (const m of compileMentions(step, env, c.owned, c.kept, notes)) {
    const maps = m.hashKind ? await hashMaps(run, c.table, m.where, [{ column: m.column, kind: m.hashKind }], keys) : new Map();
    result.mentionsErased += (await run(m.sql(maps))).rowCount;
  }
  result.rowsAffected = result.rowsDeleted + result.rowsUpdated + result.mentionsErased;
  return result;
}

/** HMACs are computed here, not in SQL, so target databases need no pgcrypto extension. */
async function hashMaps(
  run: (f: Frag) => Promise<{ rows: Record<string, unknown>[] }>,
  table: string,
  where: Frag,
  wanted: { column: string; kind: 'hash' | 'pseudonymize' }[],
  keys: Keys,
): Promise<HashMaps> {
  const maps: HashMaps = new Map();
  for (const { column, kind } of wanted) {
    const { rows } = await run({ sql: `SELECT DISTINCT ${q(column)}::text AS v FROM ${q(table)} WHERE ${where.sql} AND ${q(column)} IS NOT NULL`, bindings: where.bindings });
    const map: Record<string, string> = {};
    for (const { v } of rows) map[String(v)] = kind === 'hash' ? hashValue(keys.hash, String(v)) : pseudonymize(keys.pseudonym, String(v));
    maps.set(`${column}:${kind}`, map);
  }
  return maps;
}

export interface Checkpoints {
  /** The result markDone stored for this step, or null when the step has not completed. */
  isDone(stepKey: string): Promise<StepResult | null>;
  markDone(stepKey: string, result: StepResult): Promise<void>;
  /**
   * Optional, recommended: store what a step is about to do (before its writes commit) and give it
   * back on a rerun. A worker killed after the target committed but before markDone leaves nothing
   * for the rerun to find; these counts keep the certificate and snapshot tainting right.
   */
  markStarted?(stepKey: string, planned: PlannedCounts): Promise<void>;
  started?(stepKey: string): Promise<PlannedCounts | null>;
  progress?(done: number, total: number, stepKey: string): Promise<void> | void;
}

export interface RunOptions {
  /** Attempts per step for transient errors (configuration errors are never retried). */
  attempts?: number;
  backoffMs?: number;
}

export interface ErasureOutcome {
  results: Record<string, StepResult>;
  artefacts: ArtefactReport;
  totals: { rowsAffected: number; rowsKept: number };
}

export async function runErasure(plan: ErasurePlan, ctx: ErasureContext, cp: Checkpoints, opts: RunOptions = {}): Promise<ErasureOutcome> {
  const results: Record<string, StepResult> = {};
  const total = plan.steps.length;
  let done = 0;
  for (const step of plan.steps) {
    const previous = await cp.isDone(step.key);
    if (previous) {
      results[step.key] = previous;
    } else {
      const earlier = (await cp.started?.(step.key)) ?? null;
      const hooks: StepHooks = cp.markStarted ? { onCounted: (p) => cp.markStarted!(step.key, p) } : {};
      results[step.key] = resumed(await withRetries(() => executeStep(step, ctx, hooks), opts), earlier);
      await cp.markDone(step.key, results[step.key]);
    }
    await cp.progress?.(++done, total, step.key);
  }
  const values = Object.values(results);
  return {
    results,
    artefacts: affectedArtefacts(plan, results),
    totals: { rowsAffected: values.reduce((n, r) => n + r.rowsAffected, 0), rowsKept: values.reduce((n, r) => n + r.rowsKept, 0) },
  };
}

/** A rerun that finds less to do than an earlier attempt counted: that attempt committed; report its work. */
export function resumed(now: StepResult, earlier: PlannedCounts | null): StepResult {
  if (!earlier || (now.rowsDeleted >= earlier.toDelete && now.rowsUpdated >= earlier.toUpdate)) return now;
  const rowsDeleted = Math.max(now.rowsDeleted, earlier.toDelete);
  const rowsUpdated = Math.max(now.rowsUpdated, earlier.toUpdate);
  return {
    ...now,
    rowsDeleted,
    rowsUpdated,
    rowsKept: Math.max(now.rowsKept, earlier.kept),
    rowsAffected: rowsDeleted + rowsUpdated + now.mentionsErased,
    exemptions: earlier.exemptions.length ? earlier.exemptions : now.exemptions,
    discovered: earlier.discovered,
    notes: [...now.notes, 'resumed: an interrupted attempt had applied this step before its checkpoint; counts are that attempt’s'],
  };
}

async function withRetries<T>(fn: () => Promise<T>, opts: RunOptions): Promise<T> {
  const attempts = opts.attempts ?? 3;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ErasureConfigError || classifyError(err) === 'configuration' || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 200) * 2 ** (i - 1)));
    }
  }
}

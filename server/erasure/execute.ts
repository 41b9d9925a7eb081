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
import { exec, FALSE, identityMatch, join, not, q, rowsWithKeys, TRUE, type Frag, type SqlEnv } from './sql';
import type { Dialect } from './dialect';
import { asConfigError, classifyError, ErasureConfigError } from './errors';
import { countSql, discoveredCounts, exemptionCounts } from './counts';
import { affectedArtefacts, type ArtefactReport } from './artefacts';
import { executeFileStep } from './files/run';

export { discoverIdentities, normalizeIdentity } from './discover';
export { previewRequest } from './preview';

export interface ErasureContext {
  connections: Connections;
  /** The discovered identity (discoverIdentities), kept by the caller across reruns. */
  identity: Identity;
  keys: Keys;
  /** Exemption windows are judged at this instant (default: now). */
  now?: Date;
  /**
   * A lock wait limit for the steps other than the sessions' own (server/systems/connections.ts sets
   * one, 10 s by default, on every session, so a step normally spends no statement on it).
   */
  lockTimeoutMs?: number;
  /** Names the run in a files dataset's manifest lineage (the request id); never personal data. */
  reference?: string;
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
  /**
   * A held step: the primary keys of the subject's rows it keeps (values as text, in primary-key
   * order), and per identity column the keys of other people's rows that name the subject there.
   */
  onHeld?(keys: string[][], mentions: Record<string, string[][]>): Promise<void>;
}

export interface StepOptions {
  /**
   * The follow-up after a legal hold: erase exactly these rows (primary keys as recorded), as the
   * step plans, without the identity; other people's rows (mentions) are left alone.
   */
  keys?: string[][];
  /** With `keys`: other people's rows naming the subject, per identity column, whose value is erased. */
  mentionKeys?: Record<string, string[][]>;
}

/** The follow-up's mention rows as predicates, per column. */
function mentionPredicates(step: PlanStep, opts: StepOptions, dialect: Dialect): Map<string, Frag> | undefined {
  if (!opts.keys) return undefined;
  return new Map(
    Object.entries(opts.mentionKeys ?? {}).map(([column, keys]) => [
      column,
      rowsWithKeys(step.primaryKey, keys, dialect),
    ]),
  );
}

export async function executeStep(
  step: PlanStep,
  ctx: ErasureContext,
  hooks: StepHooks = {},
  opts: StepOptions = {},
): Promise<StepResult> {
  if (step.files) return executeFileStep(step, ctx, hooks, opts);
  const started = performance.now();
  const db = ctx.connections.get(step.system);
  const env: SqlEnv = {
    system: step.system,
    schema: await ctx.connections.schema(step.system),
    identity: ctx.identity,
    now: ctx.now ?? new Date(),
    dialect: ctx.connections.dialect(step.system),
  };
  let compiled: CompiledStep;
  const byKeys = mentionPredicates(step, opts, env.dialect);
  if (opts.keys)
    step = {
      ...step,
      mentions: step.mentions.filter((m) => m.kind === 'identity' && byKeys!.has(m.column)),
      held: undefined,
    };
  try {
    compiled = compileStep(
      step,
      env,
      opts.keys ? { owned: rowsWithKeys(step.primaryKey, opts.keys, env.dialect) } : {},
    );
  } catch (err) {
    throw asConfigError(err, step.key);
  }
  try {
    if (step.held) {
      const held = await heldStep(db, step, compiled, env);
      await hooks.onHeld?.(held.keys, held.mentions);
      return { ...held.result, ms: Math.round(performance.now() - started) };
    }
    const result = await db.transaction((trx) => applyStep(trx, step, compiled, env, ctx, hooks, byKeys), {
      // One snapshot for the counting, hashing and writing statements; a concurrent writer makes it
      // fail with a serialization error, which is transient and retried.
      isolationLevel: 'repeatable read',
    });
    return { ...result, ms: Math.round(performance.now() - started) };
  } catch (err) {
    throw classifyError(err) === 'configuration' ? asConfigError(err, step.key) : err;
  }
}

/** A held step writes nothing: it only reads the keys of the subject's rows the hold keeps. */
async function heldStep(
  db: Knex,
  step: PlanStep,
  c: CompiledStep,
  env: SqlEnv,
): Promise<{ keys: string[][]; mentions: Record<string, string[][]>; result: Omit<StepResult, 'ms'> }> {
  const cols = step.primaryKey.map((k, i) => `${env.dialect.text(q(k))} AS k${i}`).join(', ');
  const keysWhere = async (where: Frag) => {
    const { rows } = await exec(db, {
      sql: `SELECT ${cols} FROM ${q(c.table)} WHERE ${where.sql} ORDER BY 1`,
      bindings: where.bindings,
    });
    return rows.map((r) => step.primaryKey.map((_, i) => String(r[`k${i}`])));
  };
  const keys = c.owned !== FALSE ? await keysWhere(c.owned) : [];
  // Other people's rows naming the subject in an identity column (a cc): the value goes after the hold.
  // Free text is not tracked: redacting it needs the subject's address, destroyed at closing.
  const mentions: Record<string, string[][]> = {};
  for (const m of step.mentions) {
    if (m.kind !== 'identity') continue;
    const pred = identityMatch(env, step.dataset, m.column, m.identity);
    if (pred === FALSE) continue;
    const found = await keysWhere(join([pred, not(c.owned)], 'AND', FALSE));
    if (found.length) mentions[m.column] = found;
  }
  const h = step.held!;
  const note = `held by legal hold ${h.hold} (${h.legalBasis})${h.via ? `, with ${h.via}` : ''}: nothing written until the hold ends`;
  return {
    keys,
    mentions,
    result: {
      rowsAffected: 0,
      rowsDeleted: 0,
      rowsUpdated: 0,
      rowsKept: 0,
      rowsHeld: keys.length,
      mentionsErased: 0,
      exemptions: [],
      discovered: {},
      notes: [...c.notes, note],
    },
  };
}

async function applyStep(
  trx: Knex.Transaction,
  step: PlanStep,
  c: CompiledStep,
  env: SqlEnv,
  ctx: ErasureContext,
  hooks: StepHooks,
  byKeys?: Map<string, Frag>,
): Promise<Omit<StepResult, 'ms'>> {
  const keys = ctx.keys;
  if (ctx.lockTimeoutMs !== undefined) await trx.raw(env.dialect.lockTimeout(ctx.lockTimeoutMs));
  const run = (f: Frag) => exec(trx, f);
  const notes = [...c.notes];
  const result: Omit<StepResult, 'ms'> = {
    rowsAffected: 0,
    rowsDeleted: 0,
    rowsUpdated: 0,
    rowsKept: 0,
    mentionsErased: 0,
    exemptions: [],
    discovered: {},
    notes,
  };
  const table = q(c.table);
  // Whether the subject's own rows are all gone from this snapshot (none matched, or all deleted):
  // then other people's rows need no "and not the subject's" test, which on a phone column compares
  // every row with every spelling of the subject's numbers.
  let ownedGone = c.owned === FALSE;

  if (c.owned !== FALSE && plainDelete(c, env)) {
    // Every row of the subject goes and nothing is kept or changed: the DELETE itself counts (its
    // RETURNING gives the owner columns for the distinct-value counts), and the intent is stored
    // before the transaction commits, as after a separate count. One statement instead of two.
    const cols = c.ownerColumns.map((col, i) => `${q(col)} AS d${i}`).join(', ') || '1';
    const deleted = await run({
      sql: `DELETE FROM ${table} WHERE ${c.owned.sql} RETURNING ${cols}`,
      bindings: c.owned.bindings,
    });
    result.rowsDeleted = deleted.rowCount;
    const counts: Record<string, unknown> = { matched: deleted.rowCount, kept: 0, updatable: 0 };
    c.ownerColumns.forEach((_, i) => {
      counts[`d${i}`] = new Set(
        deleted.rows
          .map((r) => r[`d${i}`])
          .filter((v) => v !== null)
          .map(String),
      ).size;
    });
    result.discovered = discoveredCounts(step, c, counts);
    await hooks.onCounted?.({
      matched: deleted.rowCount,
      kept: 0,
      toDelete: deleted.rowCount,
      toUpdate: 0,
      exemptions: [],
      discovered: result.discovered,
    });
    ownedGone = true;
  } else if (c.owned !== FALSE) {
    const counts = (await run(countSql(c, env.dialect))).rows[0];
    result.rowsKept = Number(counts.kept);
    result.exemptions = exemptionCounts(c, counts);
    result.discovered = discoveredCounts(step, c, counts);
    const toDelete = c.deleteOwned ? Number(counts.matched) - Number(counts.kept) : 0;
    const toUpdate = Number(counts.updatable);
    ownedGone = Number(counts.matched) === 0 || (c.deleteOwned && c.kept === FALSE);
    await hooks.onCounted?.({
      matched: Number(counts.matched),
      kept: result.rowsKept,
      toDelete,
      toUpdate,
      exemptions: result.exemptions,
      discovered: result.discovered,
    });
    // The counts and the writes read one snapshot (REPEATABLE READ; a concurrent change to these rows
    // fails the step), so a write the counts say touches nothing is skipped, with its hashing.
    const maps = toUpdate
      ? await hashMaps(
          run,
          env,
          c.table,
          c.owned,
          c.changes.flatMap((ch) => ch.hashKinds.map((k) => ({ column: ch.column, kind: k }))),
          keys,
        )
      : new Map();
    if (c.deleteOwned && toDelete > 0) {
      const where = join([c.owned, not(c.kept)], 'AND', FALSE);
      result.rowsDeleted += (
        await run({ sql: `DELETE FROM ${table} WHERE ${where.sql}`, bindings: where.bindings })
      ).rowCount;
    }
    if (c.changes.length && toUpdate > 0) {
      const scope = c.updateScope === 'kept' ? c.kept : TRUE;
      const where = join([c.owned, scope, anyGuard(c.changes)], 'AND', FALSE);
      if (where !== FALSE && scope !== FALSE) {
        const sets = c.changes.map((ch) => ch.expr(maps));
        const sql = `UPDATE ${table} SET ${c.changes.map((ch, i) => `${q(ch.column)} = ${sets[i].sql}`).join(', ')} WHERE ${where.sql}`;
        result.rowsUpdated += (
          await run({ sql, bindings: [...sets.flatMap((s) => s.bindings), ...where.bindings] })
        ).rowCount;
      }
    }
  }

  for (const m of compileMentions(step, env, ownedGone ? FALSE : c.owned, c.kept, notes, byKeys)) {
    const maps = m.hashKind
      ? await hashMaps(run, env, c.table, m.where, [{ column: m.column, kind: m.hashKind }], keys)
      : new Map();
    // Hashing reads the values of exactly the rows the statement would change: none, nothing to write.
    if (m.hashKind && !Object.keys(maps.get(`${m.column}:${m.hashKind}`) ?? {}).length) continue;
    result.mentionsErased += (await run(m.sql(maps))).rowCount;
  }
  result.rowsAffected = result.rowsDeleted + result.rowsUpdated + result.mentionsErased;
  return result;
}

/** A step that deletes every row of the subject and keeps, changes and windows nothing. */
function plainDelete(c: CompiledStep, env: SqlEnv): boolean {
  return env.dialect.deleteReturning && c.deleteOwned && c.kept === FALSE && !c.changes.length && !c.windows.length;
}

/** HMACs are computed here, not in SQL, so target databases need no pgcrypto extension. */
async function hashMaps(
  run: (f: Frag) => Promise<{ rows: Record<string, unknown>[] }>,
  env: SqlEnv,
  table: string,
  where: Frag,
  wanted: { column: string; kind: 'hash' | 'pseudonymize' }[],
  keys: Keys,
): Promise<HashMaps> {
  const maps: HashMaps = new Map();
  for (const { column, kind } of wanted) {
    const { rows } = await run({
      sql: `SELECT ${env.dialect.distinctText} ${env.dialect.text(q(column))} AS v FROM ${q(table)} WHERE ${where.sql} AND ${q(column)} IS NOT NULL`,
      bindings: where.bindings,
    });
    const map: Record<string, string> = {};
    for (const { v } of rows)
      map[String(v)] = kind === 'hash' ? hashValue(keys.hash, String(v)) : pseudonymize(keys.pseudonym, String(v));
    maps.set(`${column}:${kind}`, map);
  }
  return maps;
}

export interface Checkpoints {
  /** The result markDone stored for this step, or null when the step has not completed. */
  isDone(stepKey: string): Promise<StepResult | null>;
  markDone(stepKey: string, result: StepResult): Promise<void>;
  /** Stores the keys of a held step's rows (before markDone, idempotently): the follow-up erases exactly these. */
  recordHeld?(step: PlanStep, keys: string[][], mentions: Record<string, string[][]>): Promise<void>;
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
  /**
   * Run each system's steps as its own chain, the chains side by side (default), or every step one
   * after another. A plan orders steps only within a system (foreign keys do not cross databases),
   * so systems are independent; each chain keeps its system's order.
   */
  systems?: 'concurrent' | 'sequential';
}

export interface ErasureOutcome {
  results: Record<string, StepResult>;
  artefacts: ArtefactReport;
  totals: { rowsAffected: number; rowsKept: number; rowsHeld: number };
}

export async function runErasure(
  plan: ErasurePlan,
  ctx: ErasureContext,
  cp: Checkpoints,
  opts: RunOptions = {},
): Promise<ErasureOutcome> {
  const found: Record<string, StepResult> = {};
  const total = plan.steps.length;
  let done = 0;
  // Progress reports are written in the order the steps finished, one at a time, whichever chain finished them.
  let reported: Promise<void> = Promise.resolve();
  const report = (key: string) => {
    const n = ++done;
    reported = reported.then(() => cp.progress?.(n, total, key));
    return reported;
  };
  const runChain = async (steps: PlanStep[]) => {
    for (const step of steps) {
      const previous = await cp.isDone(step.key);
      if (previous) {
        found[step.key] = previous;
      } else {
        const earlier = (await cp.started?.(step.key)) ?? null;
        const hooks: StepHooks = {
          ...(cp.markStarted ? { onCounted: (p: PlannedCounts) => cp.markStarted!(step.key, p) } : {}),
          ...(cp.recordHeld
            ? {
                onHeld: (keys: string[][], mentions: Record<string, string[][]>) =>
                  cp.recordHeld!(step, keys, mentions),
              }
            : {}),
        };
        found[step.key] = resumed(await withRetries(() => executeStep(step, ctx, hooks), opts), earlier);
        await cp.markDone(step.key, found[step.key]);
      }
      await report(step.key);
    }
  };
  if (opts.systems === 'sequential') await runChain(plan.steps);
  else await allChains([...chainsBySystem(plan.steps).values()].map(runChain));
  // In the plan's order, whatever order the chains finished in.
  return outcomeOf(plan, (key) => found[key]);
}

/** The outcome of a plan's steps from each step's result: in the plan's order, with artefacts and totals. */
export function outcomeOf(plan: ErasurePlan, resultOf: (stepKey: string) => StepResult): ErasureOutcome {
  const results = Object.fromEntries(plan.steps.map((s) => [s.key, resultOf(s.key)]));
  const values = Object.values(results);
  return {
    results,
    artefacts: affectedArtefacts(plan, results),
    totals: {
      rowsAffected: values.reduce((n, r) => n + r.rowsAffected, 0),
      rowsKept: values.reduce((n, r) => n + r.rowsKept, 0),
      rowsHeld: values.reduce((n, r) => n + (r.rowsHeld ?? 0), 0),
    },
  };
}

function chainsBySystem(steps: PlanStep[]): Map<string, PlanStep[]> {
  const chains = new Map<string, PlanStep[]>();
  for (const s of steps) chains.set(s.system, [...(chains.get(s.system) ?? []), s]);
  return chains;
}

/** Waits for every chain, even after one failed (no step may still run when the job gives up), then throws the first failure. */
async function allChains(chains: Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(chains);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
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
    notes: [
      ...now.notes,
      'resumed: an interrupted attempt had applied this step before its checkpoint; counts are that attempt’s',
    ],
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

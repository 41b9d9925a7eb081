// Running and previewing a plan step of a files dataset (issue 20): the step's record rules
// (./step.ts) applied to every file of the dataset (./dataset.ts), as one idempotent unit: a file is
// renamed into place only once fully written, and a rerun after the rename finds nothing to change.
// A held step writes nothing; it reads the keys of the subject's rows for the follow-up.
import type { ErasureContext, StepHooks, StepOptions } from '../execute';
import type { PreviewTable } from '../preview';
import type { PlanStep, StepResult } from '../types';
import { manifestPath, readManifest, rewriteDataset, type FileRewrite } from './dataset';
import { fileStepRules, type FileStepStats } from './step';

const specOf = (step: PlanStep) => ({ name: step.dataset, glob: step.files!.glob, format: step.files!.format });

function run(
  step: PlanStep,
  ctx: Omit<ErasureContext, 'keys'> & Partial<Pick<ErasureContext, 'keys'>>,
  opts: StepOptions,
  dryRun: boolean,
) {
  const root = ctx.connections.root(step.system);
  const keys = ctx.keys ?? { hash: Buffer.alloc(32), pseudonym: Buffer.alloc(32) };
  const { rules, stats } = fileStepRules(step, {
    identity: ctx.identity,
    keys,
    now: ctx.now ?? new Date(),
    ...(opts.keys
      ? { byKeys: { keys: opts.keys, ...(opts.mentionKeys ? { mentionKeys: opts.mentionKeys } : {}) } }
      : {}),
  });
  const rewrite = () =>
    rewriteDataset(root, specOf(step), rules, {
      reference: ctx.reference ?? 'lethe',
      ...(ctx.now ? { now: ctx.now } : {}),
      dryRun,
    });
  // A write reads, decides and renames every file and updates the manifest as one unit: another
  // erasure of the same files waits (a reader needs no lock: each rename is atomic).
  const done = dryRun ? rewrite() : ctx.connections.exclusive(`files:${manifestPath(root, specOf(step))}`, rewrite);
  return { root, stats, done };
}

function totals(done: FileRewrite[], stats: FileStepStats) {
  const dropped = done.reduce((n, r) => n + r.rowsDropped, 0);
  const changed = done.reduce((n, r) => n + r.rowsChanged, 0);
  const mentionSets = stats.mentions - stats.mentionDrops;
  return {
    rowsDeleted: dropped - stats.mentionDrops,
    rowsUpdated: Math.max(0, changed - mentionSets),
    mentionsErased: stats.mentions,
  };
}

const discovered = (stats: FileStepStats) => Object.fromEntries([...stats.discovered].map(([k, v]) => [k, v.size]));

export async function executeFileStep(
  step: PlanStep,
  ctx: ErasureContext,
  hooks: StepHooks = {},
  opts: StepOptions = {},
): Promise<StepResult> {
  const started = performance.now();
  if (opts.keys) step = { ...step, held: undefined };
  const { root, stats, done: pending } = run(step, ctx, opts, Boolean(step.held));
  const done = await pending;
  const base = {
    rowsKept: stats.kept,
    exemptions: step.keep
      .map((k) => ({ exemption: k.exemption, legalBasis: k.legalBasis, rows: stats.exemptions.get(k.exemption) ?? 0 }))
      .filter((e) => e.rows > 0),
    discovered: discovered(stats),
    ms: 0,
  };
  if (step.held) {
    await hooks.onHeld?.(stats.heldKeys, stats.mentionKeys);
    const h = step.held;
    return {
      ...base,
      rowsAffected: 0,
      rowsDeleted: 0,
      rowsUpdated: 0,
      rowsKept: 0,
      mentionsErased: 0,
      rowsHeld: stats.matched,
      exemptions: [],
      notes: [
        `held by legal hold ${h.hold} (${h.legalBasis})${h.via ? `, with ${h.via}` : ''}: nothing written until the hold ends`,
        ...(step.primaryKey.length
          ? []
          : ['no primary key declared: the held records are found again by identity once the hold ends']),
      ],
      ms: Math.round(performance.now() - started),
    };
  }
  const t = totals(done, stats);
  const notes = done.map(
    (r) =>
      `${r.file}: ${r.rowsBefore} → ${r.rowsAfter} records, sha256 ${r.oldSha256.slice(0, 12)} → ${r.newSha256.slice(0, 12)}`,
  );
  let result: StepResult = {
    ...base,
    ...t,
    rowsAffected: t.rowsDeleted + t.rowsUpdated + t.mentionsErased,
    notes,
    ms: 0,
  };
  if (!done.length && ctx.reference)
    result = resumedFromManifest(result, await readManifest(root, specOf(step)), ctx.reference);
  return { ...result, ms: Math.round(performance.now() - started) };
}

/**
 * A rerun that finds nothing although this request's rewrite is in the manifest: an attempt renamed
 * the files before its checkpoint; its counts (rows dropped) are reported.
 */
function resumedFromManifest(
  result: StepResult,
  manifest: Awaited<ReturnType<typeof readManifest>>,
  reference: string,
): StepResult {
  const mine = (manifest?.lineage ?? []).filter((l) => l.reference === reference);
  if (!mine.length) return result;
  const rowsDeleted = mine.reduce((n, l) => n + (l.rowsBefore - l.rowsAfter), 0);
  return {
    ...result,
    rowsDeleted,
    rowsAffected: rowsDeleted + result.rowsUpdated + result.mentionsErased,
    notes: [
      ...result.notes,
      `resumed: an interrupted attempt had rewritten ${mine.map((l) => l.file).join(', ')} before its checkpoint (counts from the manifest)`,
    ],
  };
}

export async function previewFileStep(step: PlanStep, ctx: Omit<ErasureContext, 'keys'>): Promise<PreviewTable> {
  const { stats, done: pending } = run(step, ctx, {}, true);
  const done = await pending;
  const t = totals(done, stats);
  const held = step.held;
  const erased = (s: { strategy: string; maskValue?: string } | null) =>
    !s
      ? 'unchanged'
      : s.strategy === 'mask'
        ? `masked as ${s.maskValue ?? '[erased]'}`
        : s.strategy === 'delete_row'
          ? 'cleared'
          : s.strategy;
  return {
    key: step.key,
    system: step.system,
    dataset: step.dataset,
    kind: step.kind,
    rowsMatched: stats.matched,
    rowsToDelete: held ? 0 : t.rowsDeleted,
    rowsToUpdate: held ? 0 : t.rowsUpdated,
    rowsKept: held ? 0 : stats.kept,
    rowReason: held
      ? `kept under legal hold ${held.hold}; afterwards: ${step.rowReason}`
      : step.rowAction === 'none'
        ? 'no personal columns: records left as they are'
        : step.rowReason,
    columns: step.columns.map((p) => ({
      column: p.column,
      categories: p.categories,
      erased: held ? 'kept (legal hold)' : step.rowAction === 'delete' ? 'record dropped' : erased(p.erase),
      ...(step.keep.length && !held ? { inKeptRows: p.exempt?.erase ? erased(p.exempt.erase) : 'kept' } : {}),
      ...(p.exempt ? { exemption: p.exempt.exemption } : {}),
    })),
    exemptions: held
      ? []
      : step.keep.map((k) => ({
          exemption: k.exemption,
          legalBasis: k.legalBasis,
          reason: k.reason,
          rows: stats.exemptions.get(k.exemption) ?? 0,
        })),
    mentions: held
      ? []
      : [...stats.mentionColumns].map(([column, rows]) => ({
          column,
          action: step.mentionAction === 'delete_row' ? ('delete' as const) : ('update' as const),
          rows,
        })),
    notes: [`files: ${step.files!.glob} (${step.files!.format}); ${done.length} file(s) would be rewritten`],
    ...(held ? { held: { ...held, rows: stats.matched } } : {}),
  };
}

/** The follow-up's check (by-key.ts): records among the recorded keys still to drop or change, and mentions still to erase. */
export async function remainingFileKeys(
  step: PlanStep,
  connections: ErasureContext['connections'],
  keys: string[][],
  now: Date,
  mentionKeys: Record<string, string[][]>,
): Promise<number> {
  const { done } = run({ ...step, held: undefined }, { connections, identity: {}, now }, { keys, mentionKeys }, true);
  return (await done).reduce((n, r) => n + r.rowsDropped + r.rowsChanged, 0);
}

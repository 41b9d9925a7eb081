// The dry run: per system and table, how many of the subject's rows there are, what happens to each
// column, which rows an exemption keeps and on what legal basis, and which other people's rows only
// mention the subject. It runs the same compiled predicates as the erasure, inside a READ ONLY
// transaction that is always rolled back, so it cannot change anything.
import { HELD, heldOf, maskValue } from './discover';
import type { ErasurePlan, HeldBy, PlanStep } from './types';
import type { ErasureContext } from './execute';
import { compileStep } from './compile';
import { compileMentions } from './mentions';
import { describe } from './strategies';
import { exec, FALSE, q, SPELLED, type SqlEnv } from './sql';
import { asConfigError, classifyError } from './errors';
import { countSql, exemptionCounts } from './counts';
import { previewFileStep } from './files/run';

export interface PreviewColumn {
  column: string;
  categories: string[];
  /** What happens in the subject's rows that go or are erased in place ("row deleted" when they go). */
  erased: string;
  /** What happens in rows an exemption keeps, when there are any. */
  inKeptRows?: string;
  exemption?: string;
}

export interface PreviewTable {
  key: string;
  system: string;
  dataset: string;
  kind: PlanStep['kind'];
  rowsMatched: number;
  rowsToDelete: number;
  rowsToUpdate: number;
  rowsKept: number;
  rowReason: string;
  columns: PreviewColumn[];
  exemptions: { exemption: string; legalBasis: string; reason: string; rows: number }[];
  mentions: { column: string; action: 'update' | 'delete'; rows: number }[];
  notes: string[];
  /** Set when a legal hold keeps the table: its matched rows stay untouched until the hold ends. */
  held?: HeldBy & { rows: number };
}

export interface Preview {
  regulation: ErasurePlan['regulation'];
  tables: PreviewTable[];
  /** Snapshots that contain the subject now, with the models that would need retraining. */
  snapshots: { key: string; rows: number; models: string[] }[];
  cycles: string[];
  /**
   * The discovered identity the erasure will use, as counts per kind (never the values), and the
   * values held back because other people's rows hold them too, masked, for the officer.
   */
  identity: { counts: Record<string, number>; held: { kind: string; masked: string }[] };
}

export async function previewRequest(plan: ErasurePlan, ctx: Omit<ErasureContext, 'keys'>): Promise<Preview> {
  const tables: PreviewTable[] = [];
  for (const step of plan.steps) tables.push(await previewStep(step, ctx));
  const snapshots = plan.snapshots
    .map((s) => {
      const t = tables.find((x) => x.key === s.key);
      return { key: s.key, rows: t ? t.rowsMatched + t.mentions.reduce((n, m) => n + m.rows, 0) : 0, models: s.models };
    })
    .filter((s) => s.rows > 0);
  const counts = Object.fromEntries(
    Object.entries(ctx.identity)
      .filter(([k]) => !k.startsWith('ref:') && !k.startsWith(HELD) && !k.startsWith(SPELLED))
      .map(([k, v]) => [k, v.length]),
  );
  const held = Object.entries(heldOf(ctx.identity)).flatMap(([kind, values]) =>
    values.map((v) => ({ kind, masked: maskValue(kind, v) })),
  );
  return { regulation: plan.regulation, tables, snapshots, cycles: plan.cycles, identity: { counts, held } };
}

async function previewStep(step: PlanStep, ctx: Omit<ErasureContext, 'keys'>): Promise<PreviewTable> {
  if (step.files) return previewFileStep(step, ctx);
  const db = ctx.connections.get(step.system);
  const env: SqlEnv = {
    system: step.system,
    schema: await ctx.connections.schema(step.system),
    identity: ctx.identity,
    now: ctx.now ?? new Date(),
    dialect: ctx.connections.dialect(step.system),
  };
  // MySQL cannot make a started transaction read-only: it starts as one.
  const trx =
    env.dialect.name === 'postgres' ? await db.transaction() : await db.transaction(undefined, { readOnly: true });
  try {
    if (env.dialect.name === 'postgres') await trx.raw('SET TRANSACTION READ ONLY');
    const c = compileStep(step, env);
    const notes = [...c.notes];
    const counts =
      c.owned === FALSE ? { matched: 0, kept: 0, updatable: 0 } : (await exec(trx, countSql(c, env.dialect))).rows[0];
    if (step.held) return heldPreview(step, step.held, c.notes, Number(counts.matched));
    const mentions = [];
    for (const m of compileMentions(step, env, c.owned, c.kept, notes)) {
      const { rows } = await exec(trx, {
        sql: `SELECT count(*)${env.dialect.int} AS n FROM ${q(step.dataset)} WHERE ${m.where.sql}`,
        bindings: m.where.bindings,
      });
      mentions.push({ column: m.column, action: m.action, rows: Number(rows[0].n) });
    }
    const matched = Number(counts.matched);
    const kept = Number(counts.kept);
    const byColumn = new Map(c.changes.map((ch) => [ch.column, ch]));
    return {
      key: step.key,
      system: step.system,
      dataset: step.dataset,
      kind: step.kind,
      rowsMatched: matched,
      rowsToDelete: c.deleteOwned ? matched - kept : 0,
      rowsToUpdate: Number(counts.updatable),
      rowsKept: kept,
      rowReason: step.rowAction === 'none' ? 'no personal columns: rows left as they are' : step.rowReason,
      columns: step.columns.map((p) => {
        const ch = byColumn.get(p.column);
        const erased = c.deleteOwned ? 'row deleted' : ch ? describe(ch.unkept) : 'unchanged';
        const inKept = ch
          ? [...new Set(ch.kept.map((k) => describe(k.rep).replace(/^kept.*/, 'kept')))].join(' / ') || 'kept'
          : 'kept';
        return {
          column: p.column,
          categories: p.categories,
          erased,
          ...(c.kept !== FALSE ? { inKeptRows: inKept } : {}),
          ...(p.exempt ? { exemption: p.exempt.exemption } : {}),
        };
      }),
      exemptions: step.keep.map((k) => ({
        exemption: k.exemption,
        legalBasis: k.legalBasis,
        reason: k.reason,
        rows: exemptionCounts(c, counts).find((e) => e.exemption === k.exemption)?.rows ?? 0,
      })),
      mentions,
      notes,
    };
  } catch (err) {
    throw classifyError(err) === 'configuration' ? asConfigError(err, step.key) : err;
  } finally {
    await trx.rollback().catch(() => {});
  }
}

/** A held table: every matched row kept as it is (no column erased, no mention redacted) until the hold ends. */
function heldPreview(step: PlanStep, held: HeldBy, notes: string[], matched: number): PreviewTable {
  return {
    key: step.key,
    system: step.system,
    dataset: step.dataset,
    kind: step.kind,
    rowsMatched: matched,
    rowsToDelete: 0,
    rowsToUpdate: 0,
    rowsKept: 0,
    rowReason: `kept under legal hold ${held.hold}${held.via ? ` (with ${held.via})` : ''}; afterwards: ${step.rowAction === 'none' ? 'left as they are' : step.rowReason}`,
    columns: step.columns.map((p) => ({ column: p.column, categories: p.categories, erased: 'kept (legal hold)' })),
    exemptions: [],
    mentions: [],
    notes,
    held: { ...held, rows: matched },
  };
}

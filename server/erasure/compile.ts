// A plan step made concrete for one database: the predicates for the subject's rows and the kept
// rows, and per column the SET expression and the "still needs erasing" guard. The guard is what
// makes a step idempotent: a rerun after a crash (even one between the target database's commit and
// Lethe's checkpoint) matches no row and changes nothing.
import type { ColumnPlan, KeepRule, PlanStep, Strategy } from './types';
import { describe, fitStrategy, PSEUDONYM_PREFIX, type Replacement } from './strategies';
import { columnOf, FALSE, frag, identityMatch, join, keptBy, keptByAny, q, rowsMatching, tableOf, TRUE, type Frag, type SqlEnv } from './sql';

export type HashMaps = Map<string, Record<string, string>>; // "<column>:<hash|pseudonymize>" → old → new

export interface ColumnChange {
  column: string;
  /** Replacement in the subject's rows nobody keeps, and in kept rows. */
  unkept: Replacement;
  kept: Replacement;
  /** Set when kept rows split by the column's own exemption window. */
  exemptWindow?: { sql: Frag; inside: Replacement };
  expr(maps: HashMaps): Frag;
  guard: Frag;
  hashKinds: ('hash' | 'pseudonymize')[];
}

export interface CompiledStep {
  table: string;
  owned: Frag; // FALSE when the table only holds mentions
  kept: Frag; // FALSE when nothing is exempt
  windows: { rule: KeepRule; sql: Frag }[];
  deleteOwned: boolean;
  /** Which rows the UPDATE covers: only kept ones when the others are deleted. */
  updateScope: 'kept' | 'all';
  changes: ColumnChange[];
  notes: string[];
  /** Owner identity columns, for counting discovered values. */
  ownerColumns: string[];
}

export function compileStep(step: PlanStep, env: SqlEnv): CompiledStep {
  const table = tableOf(env, step.dataset);
  for (const name of step.primaryKey) columnOf(env, step.dataset, name);
  const owned = step.match.length ? rowsMatching(env, step.dataset, step.match) : FALSE;
  const windows = step.keep.map((rule) => ({ rule, sql: keptBy(env, step.dataset, rule) }));
  const kept = owned === FALSE ? FALSE : keptByAny(env, step.dataset, step.keep);
  const notes: string[] = [];
  const where = (c: string) => `${step.key}.${c}`;
  let deleteOwned = step.rowAction === 'delete';
  const changes: ColumnChange[] = [];
  for (const plan of step.columns) {
    const col = columnOf(env, step.dataset, plan.column);
    const inPrimaryKey = table.primaryKey.includes(plan.column) || step.primaryKey.includes(plan.column);
    const fit = (s: Strategy | null, rowMayGo: boolean) => {
      const f = fitStrategy(s, col, { where: where(plan.column), rowMayGo, inPrimaryKey });
      if (f.note && !notes.includes(f.note)) notes.push(f.note);
      return f.replacement;
    };
    const unkept = step.rowAction === 'update' ? fit(plan.erase, true) : { kind: 'keep' as const };
    // A strategy the column cannot hold in a row that may go (NOT NULL inet, say) takes the row.
    if (unkept.kind === 'delete_row') deleteOwned = true;
    const own = plan.exempt ? windows.find((w) => w.rule.exemption === plan.exempt!.exemption && !w.rule.via) : undefined;
    let keptRep: Replacement = { kind: 'keep' };
    let exemptWindow: ColumnChange['exemptWindow'];
    if (kept !== FALSE && own) {
      // Kept rows under the column's own exemption get the exemption's treatment; when other rules
      // keep rows too, those rows get the plain strategy (a row that stays cannot lose the row).
      const inside = fit(plan.exempt!.erase, false);
      if (windows.length === 1) keptRep = inside;
      else exemptWindow = { sql: own.sql, inside };
      if (exemptWindow) keptRep = fit(plan.erase, false);
    } else if (kept !== FALSE) keptRep = fit(plan.erase, false);
    changes.push(change(plan, unkept, keptRep, exemptWindow, kept));
  }
  return {
    table: step.dataset,
    owned,
    kept,
    windows,
    deleteOwned,
    updateScope: deleteOwned ? 'kept' : 'all',
    changes: changes.filter((c) => isChange(c, deleteOwned)),
    notes,
    ownerColumns: step.match.filter((m) => m.kind === 'identity').map((m) => m.column),
  };
}

function isChange(c: ColumnChange, deleteOwned: boolean): boolean {
  const kinds = [c.kept.kind, c.exemptWindow?.inside.kind, deleteOwned ? undefined : c.unkept.kind];
  return kinds.some((k) => k && k !== 'keep' && k !== 'delete_row');
}

/**
 * SET col = CASE WHEN <kept> THEN <kept value> ELSE <value> END, where the kept value itself splits
 * on the column's own exemption window when the table has rows kept for other reasons too.
 */
function change(plan: ColumnPlan, unkept: Replacement, kept: Replacement, exemptWindow: ColumnChange['exemptWindow'], keptSql: Frag): ColumnChange {
  const col = plan.column;
  const keptExpr = (maps: HashMaps) =>
    exemptWindow ? caseWhen(exemptWindow.sql, valueOf(col, exemptWindow.inside, maps), valueOf(col, kept, maps)) : valueOf(col, kept, maps);
  const keptGuard = exemptWindow ? caseWhen(exemptWindow.sql, guardOf(col, exemptWindow.inside), guardOf(col, kept)) : guardOf(col, kept);
  const unkeptUsable = unkept.kind === 'delete_row' ? ({ kind: 'keep' } as const) : unkept;
  const both = (a: Frag, b: Frag) => (keptSql === FALSE ? b : keptSql === TRUE ? a : caseWhen(keptSql, a, b));
  const hashKinds = [unkept, kept, exemptWindow?.inside].filter((r): r is Extract<Replacement, { kind: 'hash' | 'pseudonymize' }> => r?.kind === 'hash' || r?.kind === 'pseudonymize').map((r) => r.kind);
  return {
    column: col,
    unkept,
    kept,
    ...(exemptWindow ? { exemptWindow } : {}),
    expr: (maps) => both(keptExpr(maps), valueOf(col, unkeptUsable, maps)),
    guard: both(keptGuard, guardOf(col, unkeptUsable)),
    hashKinds: [...new Set(hashKinds)],
  };
}

function caseWhen(cond: Frag, a: Frag, b: Frag): Frag {
  if (a.sql === b.sql && JSON.stringify(a.bindings) === JSON.stringify(b.bindings)) return a;
  return { sql: `CASE WHEN ${cond.sql} THEN ${a.sql} ELSE ${b.sql} END`, bindings: [...cond.bindings, ...a.bindings, ...b.bindings] };
}

export function valueOf(col: string, r: Replacement, maps: HashMaps): Frag {
  switch (r.kind) {
    case 'null':
      return frag('NULL');
    case 'literal':
      return frag(`CAST(? AS ${q(r.cast)})`, r.value);
    case 'hash':
    case 'pseudonymize':
      return frag(`(?::jsonb ->> (${q(col)})::text)`, JSON.stringify(maps.get(`${col}:${r.kind}`) ?? {}));
    case 'keep':
    case 'delete_row':
      return frag(q(col));
  }
}

/** True while the column does not yet hold its erased form. */
export function guardOf(col: string, r: Replacement): Frag {
  const c = q(col);
  switch (r.kind) {
    case 'null':
      return frag(`${c} IS NOT NULL`);
    case 'literal':
      return frag(`${c} IS DISTINCT FROM CAST(? AS ${q(r.cast)})`, r.value);
    case 'hash':
      return frag(`(${c} IS NOT NULL AND ${c} !~ ?)`, `^[0-9a-f]{${r.length}}$`);
    case 'pseudonymize':
      return frag(`(${c} IS NOT NULL AND ${c} !~ ?)`, `^${PSEUDONYM_PREFIX}[0-9a-f]*$`);
    case 'keep':
    case 'delete_row':
      return FALSE;
  }
}

export function anyGuard(changes: ColumnChange[]): Frag {
  return join(changes.map((c) => c.guard).filter((g) => g !== FALSE), 'OR', FALSE);
}

export { describe, identityMatch, TRUE };

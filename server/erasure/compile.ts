// A plan step made concrete for one database: the predicates for the subject's rows and the kept
// rows, and per column the SET expression and the "still needs erasing" guard. The guard is what
// makes a step idempotent: a rerun after a crash (even one between the target database's commit and
// Lethe's checkpoint) matches no row and changes nothing.
import type { KeepRule, PlanStep, Strategy } from './types';
import { fitStrategy, PSEUDONYM_PREFIX, type Replacement } from './strategies';
import { isCtid } from './primary-keys';
import { ErasureConfigError } from './errors';
import type { Dialect } from './dialect';
import {
  columnOf,
  FALSE,
  frag,
  join,
  keptBy,
  keptByAny,
  q,
  rowsMatching,
  tableOf,
  TRUE,
  type Frag,
  type SqlEnv,
} from './sql';

export type HashMaps = Map<string, Record<string, string>>; // "<column>:<hash|pseudonymize>" → old → new

export interface ColumnChange {
  column: string;
  /** Replacement in the subject's rows nobody keeps (unused when those rows are deleted). */
  unkept: Replacement;
  /** Replacement in kept rows, per exemption: the first whose window holds for the row decides. */
  kept: { exemption: string; when: Frag; rep: Replacement }[];
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

/** `owned` replaces the identity match: the follow-up after a legal hold finds the rows by their keys. */
export function compileStep(step: PlanStep, env: SqlEnv, opts: { owned?: Frag } = {}): CompiledStep {
  const table = tableOf(env, step.dataset);
  for (const name of step.primaryKey) if (!isCtid(name)) columnOf(env, step.dataset, name);
  if (!env.dialect.rowAddress && step.primaryKey.some(isCtid)) {
    throw new ErasureConfigError(
      `${step.key}: the table has no primary key; declare primary_key in the data map (${env.dialect.name} rows have no address without one)`,
    );
  }
  const owned = opts.owned ?? (step.match.length ? rowsMatching(env, step.dataset, step.match) : FALSE);
  const windows = step.keep.map((rule) => ({ rule, sql: keptBy(env, step.dataset, rule) }));
  const kept = owned === FALSE ? FALSE : keptByAny(env, step.dataset, step.keep);
  const notes: string[] = [];
  const where = (c: string) => `${step.key}.${c}`;
  const fitter = (column: string) => {
    const col = columnOf(env, step.dataset, column);
    const inPrimaryKey = table.primaryKey.includes(column) || step.primaryKey.includes(column);
    return (s: Strategy | null, rowMayGo: boolean) => {
      const f = fitStrategy(s, col, { where: where(column), rowMayGo, inPrimaryKey });
      if (f.note && !notes.includes(f.note)) notes.push(f.note);
      return f.replacement;
    };
  };
  const unkept = step.columns.map((plan) =>
    step.rowAction === 'update' ? fitter(plan.column)(plan.erase, true) : ({ kind: 'keep' } as const),
  );
  // A strategy a column cannot hold in a row that may go (a NOT NULL inet, say) takes the row.
  const deleteOwned = step.rowAction === 'delete' || unkept.some((r) => r.kind === 'delete_row');
  const changes = step.columns.map((plan, i) => {
    const fit = fitter(plan.column);
    // In a kept row the column gets its exemption's treatment when that exemption is the one keeping
    // the row, and otherwise the plain strategy made safe for a row that stays.
    const keptBranches =
      kept === FALSE
        ? []
        : windows.map((w) => ({
            exemption: w.rule.exemption,
            when: w.sql,
            rep: fit(plan.exempt?.exemption === w.rule.exemption ? plan.exempt.erase : plan.erase, false),
          }));
    return change(plan.column, unkept[i], keptBranches, deleteOwned ? 'kept' : 'all', env.dialect);
  });
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
  const kinds = [...c.kept.map((k) => k.rep.kind), ...(deleteOwned ? [] : [c.unkept.kind])];
  return kinds.some((k) => k !== 'keep' && k !== 'delete_row');
}

/**
 * SET col = CASE WHEN <kept by A> THEN <A's value> WHEN <kept by B> THEN … ELSE <plain value> END,
 * and the matching guard. When only kept rows are updated (the others are deleted) the last branch
 * needs no condition.
 */
function change(
  col: string,
  unkept: Replacement,
  kept: ColumnChange['kept'],
  scope: 'kept' | 'all',
  dialect: Dialect,
): ColumnChange {
  const plain: Replacement = unkept.kind === 'delete_row' ? { kind: 'keep' } : unkept;
  const build = (of: (r: Replacement) => Frag): Frag => {
    const branches = kept.map((k) => ({ when: k.when, then: of(k.rep) }));
    let otherwise = of(plain);
    if (scope === 'kept' && branches.length) otherwise = branches.pop()!.then;
    const cut = branches.findIndex((b) => b.when === TRUE);
    if (cut >= 0) {
      otherwise = branches[cut].then;
      branches.length = cut;
    }
    if (branches.every((b) => same(b.then, otherwise))) return otherwise;
    return {
      sql: `CASE ${branches.map((b) => `WHEN ${b.when.sql} THEN ${b.then.sql}`).join(' ')} ELSE ${otherwise.sql} END`,
      bindings: [...branches.flatMap((b) => [...b.when.bindings, ...b.then.bindings]), ...otherwise.bindings],
    };
  };
  const reps = [plain, ...kept.map((k) => k.rep)];
  return {
    column: col,
    unkept,
    kept,
    expr: (maps) => build((r) => valueOf(col, r, maps, dialect)),
    guard: build((r) => guardOf(col, r, dialect)),
    hashKinds: [...new Set(reps.flatMap((r) => (r.kind === 'hash' || r.kind === 'pseudonymize' ? [r.kind] : [])))],
  };
}

function same(a: Frag, b: Frag): boolean {
  return a.sql === b.sql && JSON.stringify(a.bindings) === JSON.stringify(b.bindings);
}

export function valueOf(col: string, r: Replacement, maps: HashMaps, dialect: Dialect): Frag {
  switch (r.kind) {
    case 'null':
      return frag('NULL');
    case 'literal':
      return dialect.literal(r.value, r.cast);
    case 'hash':
    case 'pseudonymize':
      return dialect.lookup(q(col), maps.get(`${col}:${r.kind}`) ?? {});
    case 'keep':
    case 'delete_row':
      return frag(q(col));
  }
}

/** True while the column does not yet hold its erased form. */
export function guardOf(col: string, r: Replacement, dialect: Dialect): Frag {
  const c = q(col);
  const notMatching = (pattern: string) => {
    const m = dialect.notMatches(c, pattern);
    return frag(`(${c} IS NOT NULL AND ${m.sql})`, ...m.bindings);
  };
  switch (r.kind) {
    case 'null':
      return frag(`${c} IS NOT NULL`);
    case 'literal':
      return dialect.distinctFrom(c, dialect.literal(r.value, r.cast));
    case 'hash':
      return notMatching(`^[0-9a-f]{${r.length}}$`);
    case 'pseudonymize':
      return notMatching(`^${PSEUDONYM_PREFIX}[0-9a-f]*$`);
    case 'keep':
    case 'delete_row':
      return FALSE;
  }
}

export function anyGuard(changes: ColumnChange[]): Frag {
  return join(
    changes.map((c) => c.guard).filter((g) => g !== FALSE),
    'OR',
    FALSE,
  );
}

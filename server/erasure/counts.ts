// Counting the subject's rows of one table in a single statement: how many match, how many an
// exemption keeps (per exemption), how many the UPDATE will still change, and how many distinct
// identity values they hold. Shared by the erasure (before its writes) and the dry run.
import type { PlanStep, StepResult } from './types';
import { anyGuard, type CompiledStep } from './compile';
import { FALSE, join, q, TRUE, type Frag } from './sql';
import type { Dialect } from './dialect';

/** One statement for everything the certificate and the dashboard count about the subject's rows. */
export function countSql(c: CompiledStep, dialect: Dialect): Frag {
  const parts: Frag[] = [
    { sql: `count(*)${dialect.int} AS matched`, bindings: [] },
    dialect.countIf(c.kept, 'kept'),
    dialect.countIf(updatable(c), 'updatable'),
    ...c.windows.map((w, i) => dialect.countIf(w.sql, `w${i}`)),
    ...c.ownerColumns.map((col, i) => ({ sql: `count(DISTINCT ${q(col)})${dialect.int} AS d${i}`, bindings: [] })),
  ];
  return {
    sql: `SELECT ${parts.map((p) => p.sql).join(', ')} FROM ${q(c.table)} WHERE ${c.owned.sql}`,
    bindings: [...parts.flatMap((p) => p.bindings), ...c.owned.bindings],
  };
}

/** Rows the UPDATE will change: in its scope and still not in their erased form. */
function updatable(c: CompiledStep): Frag {
  if (!c.changes.length) return FALSE;
  return join(
    [c.updateScope === 'kept' ? c.kept : TRUE, anyGuard(c.changes)].filter((f) => f !== TRUE),
    'AND',
    TRUE,
  );
}

export function exemptionCounts(c: CompiledStep, counts: Record<string, unknown>): StepResult['exemptions'] {
  const byName = new Map<string, StepResult['exemptions'][number]>();
  c.windows.forEach((w, i) => {
    const prev = byName.get(w.rule.exemption);
    const rows = Math.min(Number(counts[`w${i}`]), Number(counts.kept));
    byName.set(w.rule.exemption, {
      exemption: w.rule.exemption,
      legalBasis: w.rule.legalBasis,
      rows: Math.max(prev?.rows ?? 0, rows),
    });
  });
  return [...byName.values()].filter((e) => e.rows > 0);
}

export function discoveredCounts(
  step: PlanStep,
  c: CompiledStep,
  counts: Record<string, unknown>,
): Record<string, number> {
  const out: Record<string, number> = {};
  c.ownerColumns.forEach((col, i) => {
    const kind = step.match.find((m) => m.kind === 'identity' && m.column === col);
    if (kind?.kind === 'identity') out[kind.identity] = Math.max(out[kind.identity] ?? 0, Number(counts[`d${i}`]));
  });
  return out;
}

// Per column of one table: what the deletion policy says erasure does to it, and which exemptions
// keep the table's rows. A column can carry several categories; the strongest erasure wins, because
// keeping a value one category would erase is keeping personal data the policy wants gone.
import type { DataSystem, DatasetDef, DeletionDecision, Regulation } from '../policies/types';
import type { ColumnPlan, Decide, KeepRule, Strategy } from './types';
import { identityKind } from '../datamap/lookup';

const STRENGTH: Record<Strategy['strategy'], number> = { pseudonymize: 1, hash: 2, mask: 3, null: 4, delete_row: 5 };

export function stronger<T extends Strategy>(a: T | null, b: T | null): T | null {
  if (!a) return b;
  if (!b) return a;
  return STRENGTH[b.strategy] > STRENGTH[a.strategy] ? b : a;
}

export interface TablePolicy {
  columns: ColumnPlan[];
  keep: KeepRule[];
  /** The column and reason that make the subject's rows go entirely, if any. */
  deleteBecause: string | null;
}

export function planColumns(
  system: DataSystem,
  dataset: DatasetDef,
  decide: Decide,
  regulation: Regulation,
): TablePolicy {
  const key = `${system.name}.${dataset.name}`;
  const keep = new Map<string, KeepRule>();
  const columns = dataset.columns.map((col): ColumnPlan => {
    const decisions = (col.categories.length ? col.categories : ['system']).map((category) =>
      decide({ category, regulation, dataset: key }),
    );
    let erase: ColumnPlan['erase'] = null;
    let exempt: ColumnPlan['exempt'];
    for (const d of decisions) {
      erase = stronger(erase, eraseOf(d));
      if (d.kind === 'exempt' && !exempt) {
        exempt = { exemption: d.exemption.name, erase: d.erase ? { ...d.erase } : null };
        if (!keep.has(d.exemption.name)) keep.set(d.exemption.name, keepRule(d));
      }
    }
    const identity = identityKind(system, dataset, col.name);
    if (col.identity || col.mentions) erase = identityRule(erase, dataset.primaryKey.includes(col.name));
    return {
      column: col.name,
      categories: [...col.categories],
      ...(identity ? { identity } : {}),
      erase,
      ...(exempt ? { exempt } : {}),
    };
  });
  const deleting = columns.find((c) => c.erase?.strategy === 'delete_row');
  return {
    columns,
    keep: [...keep.values()],
    deleteBecause: deleting ? `${deleting.column}: ${deleting.erase!.reason}` : null,
  };
}

function eraseOf(d: DeletionDecision): (Strategy & { reason: string }) | null {
  if (d.kind === 'erase')
    return {
      strategy: d.strategy,
      ...mask(d.maskValue),
      reason: `${d.rule.category} → ${d.strategy} (${d.rule.reason})`,
    };
  if (d.kind === 'exempt' && d.fallback) {
    const fb = d.fallback;
    return {
      strategy: fb.strategy,
      ...mask(fb.maskValue),
      reason: `${fb.rule.category} → ${fb.strategy} (${fb.rule.reason})`,
    };
  }
  return null;
}

/**
 * An identity column is personal data whatever category it carries: in the subject's rows it always
 * goes unless an exemption keeps it. In the primary key it can only go with its row (changing a key
 * would orphan or re-point the rows that reference it).
 */
function identityRule(erase: ColumnPlan['erase'], inPrimaryKey: boolean): ColumnPlan['erase'] {
  const base = erase ?? {
    strategy: 'null' as const,
    reason: 'identity column: erased in the subject’s rows whatever its category',
  };
  if (inPrimaryKey && base.strategy !== 'delete_row') {
    return {
      strategy: 'delete_row',
      reason: `identity in the primary key: only deleting the row removes it (policy said ${base.strategy})`,
    };
  }
  return base;
}

function keepRule(d: Extract<DeletionDecision, { kind: 'exempt' }>): KeepRule {
  const e = d.exemption;
  return {
    exemption: e.name,
    legalBasis: e.legalBasis,
    reason: e.reason,
    ...(e.keepFor && e.from ? { window: { from: e.from, keepFor: e.keepFor } } : {}),
  };
}

const mask = (v: string | undefined) => (v !== undefined ? { maskValue: v } : {});

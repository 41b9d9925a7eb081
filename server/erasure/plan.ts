// From the data map and the deletion policy to an ordered list of steps, one per table: a graph walk
// from the identity columns through the references. Pure: no database, no identity values (those
// come at execution), so the same plan is shown on the preview page and run by the job.
import type { DataMap, DataSystem, DatasetDef, LegalHold, Regulation } from '../policies/types';
import type { Decide, ErasurePlan, HeldBy, Identity, Mention, PlanStep, RowFilter } from './types';
import { heldBy, holdBasis } from '../policies/holds';
import { planColumns, type TablePolicy } from './columns';
import { childrenFirst } from './graph';
import {
  allDatasets,
  datasetIn,
  hasCategory,
  identityKind,
  isReversed,
  mentionColumns,
  modelsTrainedOn,
  ownerColumns,
  pointerKind,
  splitRef,
} from '../datamap/lookup';

export interface PlanInput {
  datamap: DataMap;
  decide: Decide;
  regulation: Regulation;
  /** Accepted for symmetry with the executor; the plan itself never embeds identity values. */
  identity?: Identity;
  /** Categories of free text scanned for the subject's email in other people's rows. */
  freeTextCategories?: string[];
  /** Legal holds and the subject's fingerprint: tables a hold covers for this subject are held, not erased. */
  holds?: { holds: readonly LegalHold[]; subject: string; now: Date };
}

export const DEFAULT_FREE_TEXT = ['user.content'];

export function planRequest(input: PlanInput): ErasurePlan {
  const steps: PlanStep[] = [];
  const cycles: string[] = [];
  for (const system of input.datamap.systems) {
    const planned = planSystem(system, input, cycles);
    steps.push(...planned);
  }
  const snapshots = allDatasets(input.datamap)
    .filter((d) => d.dataset.kind === 'training_snapshot')
    .map((d) => ({ key: d.key, models: modelsTrainedOn(input.datamap, d.key), builtFrom: [...d.dataset.builtFrom] }));
  return { regulation: input.regulation, steps, snapshots, cycles: [...new Set(cycles)] };
}

function planSystem(system: DataSystem, input: PlanInput, cycles: string[]): PlanStep[] {
  const freeText = input.freeTextCategories ?? DEFAULT_FREE_TEXT;
  const policies = new Map<string, TablePolicy>(
    system.datasets.map((d) => [d.name, planColumns(system, d, input.decide, input.regulation)]),
  );
  const matches = new Map<string, RowFilter[]>(
    system.datasets.map((d) => [d.name, matchOf(system, d, [d.name], cycles)]),
  );
  const actions = rowActions(system, policies, matches);
  const include = new Set(
    system.datasets
      .filter((d) => matches.get(d.name)!.length > 0 || mentionsOf(d, policies.get(d.name)!, freeText).length > 0)
      .map((d) => d.name),
  );
  const { order, cycles: cut } = childrenFirst(system, include);
  cycles.push(...cut);
  const held = input.holds ? heldTables(system, input, matches, actions) : new Map<string, HeldBy>();
  return order.map((name) => {
    const dataset = datasetIn(system, name)!;
    const policy = policies.get(name)!;
    const action = actions.get(name)!;
    return {
      key: `${system.name}.${name}`,
      system: system.name,
      dataset: name,
      kind: dataset.kind,
      primaryKey: [...dataset.primaryKey],
      match: matches.get(name)!,
      rowAction: matches.get(name)!.length ? action.action : 'none',
      rowReason: action.reason,
      columns: policy.columns,
      keep: policy.keep,
      mentions: mentionsOf(dataset, policy, freeText),
      // A vector cannot be redacted: an embedding whose source text names the subject goes whole.
      mentionAction: dataset.kind === 'embeddings' ? 'delete_row' : 'redact',
      ...(held.has(name) ? { held: held.get(name)! } : {}),
      ...(system.engine === 'files' && dataset.files ? { files: { ...dataset.files } } : {}),
    };
  });
}

/**
 * Tables a legal hold covers for this subject (heldBy: dataset, category, subject), then what a
 * held table drags along inside its system so the held record stays whole and a foreign key never
 * refuses a later delete: the parents its rows point at when those would be deleted, and the
 * children whose matched rows would be deleted while they hang off it (a thread of a held ticket). Over-keeping is safe; the
 * follow-up erases all of it, children first, once the hold ends.
 */
function heldTables(
  system: DataSystem,
  input: PlanInput,
  matches: Map<string, RowFilter[]>,
  actions: Map<string, RowAction>,
): Map<string, HeldBy> {
  const { holds, subject, now } = input.holds!;
  const out = new Map<string, HeldBy>();
  const entry = (h: LegalHold, via?: string): HeldBy => ({
    hold: h.name,
    caseReference: h.caseReference,
    legalBasis: holdBasis(h, input.regulation),
    expires: h.expires ?? null,
    ...(via ? { via } : {}),
  });
  for (const d of system.datasets) {
    const h = heldBy(holds, {
      dataset: `${system.name}.${d.name}`,
      categories: d.columns.flatMap((c) => c.categories),
      subject,
      now,
    });
    if (h) out.set(d.name, entry(h));
  }
  for (let changed = out.size > 0; changed;) {
    changed = false;
    for (const d of system.datasets) {
      if (!matches.get(d.name)!.length) continue;
      for (const r of d.references.filter((ref) => !isReversed(system, d, ref))) {
        const parent = splitRef(r.to).dataset;
        if (parent === d.name || !matches.get(parent)?.length) continue;
        const [from, to] =
          out.has(d.name) && !out.has(parent) && actions.get(parent)?.action === 'delete'
            ? [d.name, parent]
            : out.has(parent) && !out.has(d.name) && actions.get(d.name)?.action === 'delete'
              ? [parent, d.name]
              : [null, null];
        if (!from || !to) continue;
        out.set(to, { ...out.get(from)!, via: `${system.name}.${from}` });
        changed = true;
      }
    }
  }
  return out;
}

/**
 * How the subject's rows of `dataset` are found: by its owner identity columns, and by references to
 * parent rows that are the subject's. A reference to an identity column (orders.customer_id →
 * customers.id) becomes an identity match, which still works after the parent row is gone; other
 * references become a sub-select through the parent. `path` cuts reference cycles.
 */
function matchOf(system: DataSystem, dataset: DatasetDef, path: string[], cycles: string[]): RowFilter[] {
  const filters: RowFilter[] = ownerColumns(dataset).map((c) => ({
    kind: 'identity',
    column: c.name,
    identity: c.identity!,
  }));
  for (const ref of dataset.references) {
    const target = splitRef(ref.to);
    const parent = datasetIn(system, target.dataset);
    if (!parent) continue; // the bundle validator reports dangling references
    if (filters.some((f) => f.column === ref.column)) continue;
    const kind = identityKind(system, parent, target.column);
    if (kind) {
      filters.push({ kind: 'identity', column: ref.column, identity: kind });
      continue;
    }
    if (isReversed(system, dataset, ref)) {
      // The pointing rows may be deleted first (their foreign key demands it), so the values they
      // point with are collected at discovery, like an identity.
      filters.push({ kind: 'identity', column: ref.column, identity: pointerKind(system, ref) });
      continue;
    }
    if (path.includes(parent.name)) {
      cycles.push(`${system.name}.${dataset.name}.${ref.column} → ${ref.to}`);
      continue;
    }
    const parentMatch = matchOf(system, parent, [...path, parent.name], cycles);
    if (parentMatch.length)
      filters.push({
        kind: 'parent',
        column: ref.column,
        parent: parent.name,
        parentColumn: target.column,
        parentMatch,
      });
  }
  return filters;
}

interface RowAction {
  action: PlanStep['rowAction'];
  reason: string;
}

/**
 * Delete when a column's policy says delete_row, or when the rows hang off parent rows that are
 * deleted (a foreign key would refuse the parent's delete, and an orphan keeps the link to a person
 * that no longer exists). Escalation is monotone (none → update → delete), so a fixpoint ends.
 */
function rowActions(
  system: DataSystem,
  policies: Map<string, TablePolicy>,
  matches: Map<string, RowFilter[]>,
): Map<string, RowAction> {
  const out = new Map<string, RowAction>();
  for (const d of system.datasets) {
    const p = policies.get(d.name)!;
    const erases = p.columns.some((c) => c.erase || c.exempt?.erase);
    out.set(
      d.name,
      p.deleteBecause
        ? { action: 'delete', reason: p.deleteBecause }
        : erases
          ? { action: 'update', reason: 'personal columns erased in place' }
          : { action: 'none', reason: 'no personal columns' },
    );
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const d of system.datasets) {
      if (out.get(d.name)!.action === 'delete' || !matches.get(d.name)!.length) continue;
      const parent = d.references
        .filter((r) => !isReversed(system, d, r))
        .map((r) => splitRef(r.to).dataset)
        .find((p) => p !== d.name && out.get(p)?.action === 'delete' && matches.get(p)?.length);
      if (parent) {
        out.set(d.name, { action: 'delete', reason: `rows hang off ${system.name}.${parent} rows that are deleted` });
        changed = true;
      }
    }
  }
  return out;
}

function mentionsOf(dataset: DatasetDef, policy: TablePolicy, freeText: string[]): Mention[] {
  const identity: Mention[] = mentionColumns(dataset).map((c) => {
    const plan = policy.columns.find((p) => p.column === c.name)!;
    // Someone else's row stays: a delete_row policy becomes clearing the value.
    const erase =
      plan.erase && plan.erase.strategy !== 'delete_row'
        ? {
            strategy: plan.erase.strategy,
            ...(plan.erase.maskValue !== undefined ? { maskValue: plan.erase.maskValue } : {}),
          }
        : { strategy: 'null' as const };
    return { kind: 'identity', column: c.name, identity: c.mentions!, erase };
  });
  const text: Mention[] = dataset.columns
    .filter((c) => !c.identity && !c.mentions && freeText.some((prefix) => hasCategory(c, prefix)))
    .map((c) => ({ kind: 'text', column: c.name }));
  return [...identity, ...text];
}

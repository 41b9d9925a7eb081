// Questions the engine asks of a data map: which dataset is this, which columns identify a person,
// which of them names the row's owner. Kept apart from the planner so verification and discovery can
// read the map the same way without reusing a plan.
import type { ColumnDef, DataMap, DatasetDef, DataSystem, ReferenceDef } from '../policies/types';

export interface DatasetRef {
  system: DataSystem;
  dataset: DatasetDef;
  key: string; // "<system>.<dataset>"
}

export function allDatasets(map: DataMap): DatasetRef[] {
  return map.systems.flatMap((system) =>
    system.datasets.map((dataset) => ({ system, dataset, key: `${system.name}.${dataset.name}` })),
  );
}

export function findDataset(map: DataMap, key: string): DatasetRef | null {
  return allDatasets(map).find((d) => d.key === key) ?? null;
}

export function datasetIn(system: DataSystem, name: string): DatasetDef | null {
  return system.datasets.find((d) => d.name === name) ?? null;
}

export function splitRef(to: string): { dataset: string; column: string } {
  const i = to.indexOf('.');
  return { dataset: to.slice(0, i), column: to.slice(i + 1) };
}

/**
 * The identity kind a column carries: its own `identity`, or that of the identity column it references
 * (orders.customer_id → customers.id, identity customer_id). Followed transitively, cycles cut.
 */
export function identityKind(
  system: DataSystem,
  dataset: DatasetDef,
  column: string,
  seen = new Set<string>(),
): string | undefined {
  const col = dataset.columns.find((c) => c.name === column);
  if (col?.identity) return col.identity;
  const ref = dataset.references.find((r) => r.column === column);
  if (!ref) return undefined;
  const target = splitRef(ref.to);
  const key = `${dataset.name}.${column}`;
  if (seen.has(key)) return undefined;
  seen.add(key);
  const parent = datasetIn(system, target.dataset);
  return parent ? identityKind(system, parent, target.column, seen) : undefined;
}

/**
 * Identity columns: every one is a lookup key (Fides's meaning). A row holding one of the subject's
 * values in ANY of them is the subject's row, whatever the column order: a table with a main and an
 * alternative address is found by either. Columns that only name other people say so with
 * `mentions:` and never make a row the subject's.
 */
export function ownerColumns(dataset: DatasetDef): ColumnDef[] {
  return dataset.columns.filter((c) => c.identity);
}

/** Columns declared `mentions: <kind>`: other people's rows naming the subject lose only that value. */
export function mentionColumns(dataset: DatasetDef): ColumnDef[] {
  return dataset.columns.filter((c) => c.mentions && !c.identity);
}

/** The identity kind a column holds whether it owns the row or only names someone (mentions). */
export function heldKind(system: DataSystem, dataset: DatasetDef, column: string): string | undefined {
  return identityKind(system, dataset, column) ?? dataset.columns.find((c) => c.name === column)?.mentions;
}

export function hasCategory(col: ColumnDef, prefix: string): boolean {
  return col.categories.some((c) => c === prefix || c.startsWith(prefix + '.'));
}

/**
 * A reference written from a table's own key to a non-key column elsewhere (address.id →
 * customer.address_id, as Fides writes `direction: to`): the row is the subject's when the other
 * table's subject rows point at it, but the foreign key runs the other way (customer → address), so
 * the pointing table must be processed first.
 */
export function isReversed(system: DataSystem, dataset: DatasetDef, ref: ReferenceDef): boolean {
  const target = splitRef(ref.to);
  const parent = datasetIn(system, target.dataset);
  return Boolean(parent && dataset.primaryKey.includes(ref.column) && !parent.primaryKey.includes(target.column));
}

/** The identity kind under which discovery collects the values a reversed reference points with. */
export function pointerKind(system: DataSystem, ref: ReferenceDef): string {
  return `ref:${system.name}.${ref.to}`;
}

/** Models trained on a snapshot ("<system>.<dataset>"), by name. */
export function modelsTrainedOn(map: DataMap, snapshotKey: string): string[] {
  return map.systems.flatMap((s) => s.models.filter((m) => m.trainedOn.includes(snapshotKey)).map((m) => m.name));
}

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
  return map.systems.flatMap((system) => system.datasets.map((dataset) => ({ system, dataset, key: `${system.name}.${dataset.name}` })));
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
export function identityKind(system: DataSystem, dataset: DatasetDef, column: string, seen = new Set<string>()): string | undefined {
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
 * Identity columns that say whose row it is. The first identity column of each kind owns the row;
 * later ones of the same kind (tickets.cc_email after requester_email) only mention someone, so a
 * subject cc'd on another person's ticket loses the cc, not the other person's ticket.
 */
export function ownerColumns(dataset: DatasetDef): ColumnDef[] {
  const seen = new Set<string>();
  return dataset.columns.filter((c) => {
    if (!c.identity || seen.has(c.identity)) return false;
    seen.add(c.identity);
    return true;
  });
}

export function mentionColumns(dataset: DatasetDef): ColumnDef[] {
  const owners = new Set(ownerColumns(dataset).map((c) => c.name));
  return dataset.columns.filter((c) => c.identity && !owners.has(c.name));
}

export function hasCategory(col: ColumnDef, prefix: string): boolean {
  return col.categories.some((c) => c === prefix || c.startsWith(prefix + '.'));
}

/** Personal data in the taxonomy sense: an identity column, or any `user.*` category. */
export function isPersonal(col: ColumnDef): boolean {
  return Boolean(col.identity) || hasCategory(col, 'user');
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

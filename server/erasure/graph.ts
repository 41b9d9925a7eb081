// Ordering the tables of one system so foreign keys never block a delete: a table that references
// another is processed before it (order_items before orders before customers). Reference cycles
// (customers.referred_by → customers.id, or a → b → a) have no such order; the edges that close a
// cycle are ignored and reported, and the executor turns a foreign-key refusal into a clear error.
import type { DataSystem } from '../policies/types';
import { isReversed, splitRef } from '../datamap/lookup';

export interface Ordering {
  order: string[]; // dataset names, children first
  cycles: string[]; // "system.child.column → parent.column" edges that were ignored
}

export function childrenFirst(system: DataSystem, include: Set<string>): Ordering {
  const edges = system.datasets
    .filter((d) => include.has(d.name))
    .flatMap((d) =>
      d.references
        .map((r) => {
          const other = splitRef(r.to).dataset;
          const label = `${system.name}.${d.name}.${r.column} → ${r.to}`;
          // A reversed reference's foreign key lives in the other table: that table goes first.
          return isReversed(system, d, r)
            ? { child: other, parent: d.name, label }
            : { child: d.name, parent: other, label };
        })
        .filter((e) => include.has(e.parent) && include.has(e.child)),
    );
  const cycles = edges.filter((e) => e.child === e.parent).map((e) => e.label);
  const pending = system.datasets.map((d) => d.name).filter((n) => include.has(n));
  const order: string[] = [];
  // Kahn's algorithm, picking in data-map order so the plan is deterministic: a table is ready once
  // no pending table references it.
  while (pending.length) {
    const blockers = (n: string) => edges.filter((e) => e.parent === n && e.child !== n && pending.includes(e.child));
    let i = pending.findIndex((n) => blockers(n).length === 0);
    if (i < 0) {
      i = 0;
      cycles.push(...blockers(pending[0]).map((e) => e.label));
    }
    order.push(pending[i]);
    pending.splice(i, 1);
  }
  return { order, cycles };
}

// Linkage attack simulation: an attacker holds an auxiliary table (a public register, a leaked
// customer list) sharing some columns with the released dataset. Every auxiliary record whose
// values on those columns match exactly one dataset record is re-identified. Both sides are reduced
// to class counts over the join columns first (GROUP BY or one CSV pass each), so the join is a
// lookup per auxiliary class, never a row-by-row join.
import type { ClassTable } from './class-table';
import type { LinkageResult } from './types';

/** dataset and auxiliary are class tables over the join columns, in the same column order. */
export function simulateLinkage(dataset: ClassTable, auxiliary: ClassTable, on: readonly string[]): LinkageResult {
  let unique = 0;
  let multiple = 0;
  let none = 0;
  for (let aid = 0; aid < auxiliary.classCount; aid++) {
    const key = auxiliary.keys.bytes(aid);
    const did = dataset.keys.find(key, 0, key.length);
    const matches = did < 0 ? 0 : dataset.sizes[did];
    const records = auxiliary.sizes[aid];
    if (matches === 1) unique += records;
    else if (matches > 1) multiple += records;
    else none += records;
  }
  const total = auxiliary.records;
  return {
    on: [...on],
    auxiliaryRecords: total,
    uniqueMatches: unique,
    multipleMatches: multiple,
    noMatch: none,
    share: total === 0 ? 0 : unique / total,
  };
}

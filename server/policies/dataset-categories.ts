// The categories a record of a dataset carries, for retention decisions that are given a dataset
// name only (truth tables, `lethe policy explain retention`).
import { findDataset } from '../datamap/lookup';
import type { PolicyBundle } from './types';

/** Every category of the dataset's columns (deduplicated), or null for a dataset not in the data map. */
export function datasetCategories(bundle: PolicyBundle, ref: string): string[] | null {
  const found = findDataset(bundle.datamap, ref);
  return found ? [...new Set(found.dataset.columns.flatMap((c) => c.categories))] : null;
}

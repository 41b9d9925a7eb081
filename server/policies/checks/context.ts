// Shared state for the cross-file checks: the validated files, the names they define (null when the
// defining file is missing or invalid, so checks that need it are skipped instead of flooding the
// output with follow-on errors), and the problem list.
import type { Part } from '../mapping';
import type {
  AccessFile,
  AiActFile,
  AlertsFile,
  DatamapFile,
  DeletionFile,
  ReidFile,
  RetentionFile,
  SchedulesFile,
  TaxonomyFile,
  TestsFile,
  TrainingFile,
  VerificationFile,
} from '../schemas';
import type { Problem } from '../types';
import { locate, problemAt, type SourceFile, type YamlPath } from '../yaml-source';

export interface Parts {
  access?: Part<AccessFile>;
  taxonomy?: Part<TaxonomyFile>;
  deletion?: Part<DeletionFile>;
  retention?: Part<RetentionFile>;
  reid?: Part<ReidFile>;
  schedules?: Part<SchedulesFile>;
  ai_act?: Part<AiActFile>;
  training?: Part<TrainingFile>;
  alerts?: Part<AlertsFile>;
  verification?: Part<VerificationFile>;
  datamaps: Part<DatamapFile>[];
  tests: Part<TestsFile>[];
  /** False when a datamap file failed to parse or validate: dataset references are then not checked. */
  datamapComplete: boolean;
}

export interface DatasetInfo {
  ref: string; // "<system>.<dataset>"
  kind: string;
  columns: Map<string, string[]>; // column -> categories
}

export class CheckContext {
  readonly problems: Problem[] = [];
  readonly categories: Set<string> | null;
  readonly datasets: Map<string, DatasetInfo> | null;
  readonly reidKinds: Set<string> | null;

  constructor(readonly parts: Parts) {
    this.categories = parts.taxonomy ? new Set(parts.taxonomy.data.categories.map((c) => c.key)) : null;
    this.reidKinds = parts.reid ? new Set(parts.reid.data.thresholds.map((t) => t.kind)) : null;
    this.datasets = parts.datamapComplete ? collectDatasets(parts.datamaps) : null;
  }

  report(file: SourceFile, path: YamlPath, message: string): void {
    this.problems.push(problemAt(file, path, message));
  }

  checkCategory(file: SourceFile, path: YamlPath, key: string): void {
    if (this.categories && !this.categories.has(key)) {
      this.report(file, path, `unknown category "${key}": not in taxonomy.yaml${didYouMean(key, this.categories)}`);
    }
  }

  /** Reports an unknown dataset; returns the dataset when known. */
  checkDataset(file: SourceFile, path: YamlPath, ref: string): DatasetInfo | undefined {
    if (!this.datasets) return undefined;
    const info = this.datasets.get(ref);
    if (!info) this.report(file, path, `unknown dataset "${ref}": not in the data map${didYouMean(ref, this.datasets.keys())}`);
    return info;
  }
}

function collectDatasets(datamaps: Part<DatamapFile>[]): Map<string, DatasetInfo> {
  const out = new Map<string, DatasetInfo>();
  for (const { data } of datamaps) {
    for (const d of data.datasets) {
      const ref = `${data.name}.${d.name}`;
      out.set(ref, { ref, kind: d.kind, columns: new Map(d.columns.map((c) => [c.name, c.categories])) });
    }
  }
  return out;
}

/** Reports the second and later items whose key was already seen. */
export function checkUnique<T>(ctx: CheckContext, file: SourceFile, items: T[], key: (t: T) => string, path: (i: number) => YamlPath, what: string): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first !== undefined) ctx.report(file, path(i), `duplicate ${what} "${k}" (first defined on line ${locate(file, path(first)).line})`);
    else seen.set(k, i);
  });
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  let best: string | null = null;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

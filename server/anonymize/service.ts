// The anonymization service the CLI, the job and the web app call: load the CSV, bind the
// hierarchies, search the lattice, write the new version, then re-identification-test the source and
// the output with the existing engine (server/reid/analyse) and gate the output by the release policy.
import fs from 'node:fs/promises';
import type { ReidThresholds } from '../policies/types';
import { analyseCsv } from '../reid/analyse';
import type { AppliedPolicy, ReidOutcome } from '../reid/types';
import { loadCsv, type Dataset } from './columnar-input';
import { Anonymizer, type AnonymizationResult, type Metric, type MetricValues, type PrivacyModels } from './engine';
import { AnonymizeInputError } from './errors';
import { buildHierarchy, parseHierarchyCsv, type Hierarchy, type HierarchyRule } from './hierarchy';
import { writeAnonymizedCsv } from './output';
import { pseudonymizer, type PseudonymMethod } from './pseudonymize';

export type HierarchySpec =
  { file: string; delimiter?: string } | { csv: string } | { rule: HierarchyRule } | { hierarchy: Hierarchy };

export interface AnonymizeCsvOptions {
  file: string;
  delimiter?: string;
  quasi: string[];
  sensitive?: string[];
  hierarchies: Record<string, HierarchySpec>;
  models: PrivacyModels;
  metric?: Metric;
  out: string;
  /** Direct identifiers to pseudonymize in the output: column → method (hmac needs pseudonymKey). */
  pseudonymize?: Record<string, PseudonymMethod>;
  pseudonymKey?: Buffer | null;
  /** Re-identification-test source and output against this policy (skip with null). */
  policy: AppliedPolicy | null;
  onProgress?: (p: AnonymizeProgress) => void;
  signal?: AbortSignal;
}

export interface AnonymizeProgress {
  phase: 'reading' | 'searching' | 'writing' | 'testing' | 'done';
  /** 0..1 over the whole run. */
  fraction: number;
}

export interface AnonymizeReport {
  /** Attribute → chosen level (0 = unchanged). */
  levels: Record<string, number>;
  /** Records suppressed (left out of the output). */
  suppressed: number;
  /** Released equivalence classes. */
  classes: number;
  records: number;
  metric: Metric;
  value: number;
  metrics: MetricValues;
  models: PrivacyModels & { minClassSize: number };
  search: { nodes: number; evaluated: number; ms: number };
  output: { file: string; records: number; pseudonymized: Record<string, PseudonymMethod> };
  hierarchies: Record<string, string>;
  /** The re-identification test of the source and of the output, and whether the output may be released. */
  before: ReidOutcome | null;
  after: ReidOutcome | null;
  released: boolean | null;
}

/** Privacy models that make a dataset meet a release kind's thresholds (reid.yaml). */
export function modelsFromThresholds(
  t: Pick<ReidThresholds, 'k' | 'maxProsecutorRisk' | 'riskThreshold' | 'maxRecordsAtRisk' | 'l' | 't'>,
  maxSuppression = 0,
): PrivacyModels {
  // Records at risk (1/f > riskThreshold) are allowed up to maxRecordsAtRisk; asking every class to
  // reach 1/riskThreshold is the conservative reading (it is what the highest risk asks already when equal).
  const highestRisk = Math.min(t.maxProsecutorRisk, t.maxRecordsAtRisk < 1 ? t.riskThreshold : 1);
  return {
    k: t.k,
    highestRisk,
    l: t.l ? { variant: 'distinct', l: t.l } : undefined,
    t: t.t,
    maxSuppression,
  };
}

export async function loadHierarchy(attribute: string, spec: HierarchySpec, data: Dataset): Promise<Hierarchy> {
  if ('hierarchy' in spec) return spec.hierarchy;
  if ('csv' in spec) return parseHierarchyCsv(attribute, spec.csv);
  if ('file' in spec) {
    let text: string;
    try {
      text = await fs.readFile(spec.file, 'utf8');
    } catch (e) {
      throw new AnonymizeInputError(
        `cannot read the hierarchy of ${attribute} (${spec.file}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    return parseHierarchyCsv(attribute, text, spec.delimiter);
  }
  const column = data.quasi.find((c) => c.name === attribute);
  if (!column) throw new AnonymizeInputError(`${attribute} is not a quasi-identifier`);
  return buildHierarchy(attribute, column.values, spec.rule);
}

export async function anonymizeCsv(options: AnonymizeCsvOptions): Promise<AnonymizeReport> {
  const progress = options.onProgress ?? (() => {});
  const quasi = options.quasi;
  if (quasi.length === 0) throw new AnonymizeInputError('name at least one quasi-identifier');
  if (new Set(quasi).size !== quasi.length) throw new AnonymizeInputError('a quasi-identifier is named twice');
  for (const name of Object.keys(options.hierarchies)) {
    if (!quasi.includes(name))
      throw new AnonymizeInputError(`a hierarchy is given for ${name}, which is not a quasi-identifier`);
  }
  const data = await loadCsv(options.file, {
    delimiter: options.delimiter,
    quasi,
    sensitive: options.sensitive,
    signal: options.signal,
    onProgress: (read, total) => progress({ phase: 'reading', fraction: total ? (read / total) * 0.2 : 0 }),
  });
  const hierarchies: Record<string, Hierarchy> = {};
  for (const name of quasi) {
    const spec = options.hierarchies[name];
    if (!spec) throw new AnonymizeInputError(`give a hierarchy (file or rule) for the quasi-identifier ${name}`);
    hierarchies[name] = await loadHierarchy(name, spec, data);
  }
  const engine = new Anonymizer(data, hierarchies, options.models);
  const started = performance.now();
  const result: AnonymizationResult = engine.search({
    metric: options.metric,
    signal: options.signal,
    onProgress: (p) => progress({ phase: 'searching', fraction: 0.2 + 0.4 * (p.visited / p.nodes) }),
  });
  const ms = performance.now() - started;
  const best = result.best;
  if (!best) throw new NoTransformationError(result);
  progress({ phase: 'writing', fraction: 0.6 });
  const { classOf } = engine.recordClasses(engine.nodeOf(best.levels));
  const pseudonyms = new Map<number, (value: string) => string>();
  for (const [column, method] of Object.entries(options.pseudonymize ?? {})) {
    const index = data.header.indexOf(column);
    if (index < 0) throw new AnonymizeInputError(`cannot pseudonymize unknown column "${column}"`);
    if (quasi.includes(column) || (options.sensitive ?? []).includes(column)) {
      throw new AnonymizeInputError(
        `${column} is a quasi-identifier or sensitive attribute; pseudonymize direct identifiers only`,
      );
    }
    pseudonyms.set(index, pseudonymizer(method, options.pseudonymKey ?? null));
  }
  const written = await writeAnonymizedCsv(
    options.file,
    options.out,
    data,
    engine,
    best.levels,
    classOf,
    options.signal,
    pseudonyms,
  );

  let before: ReidOutcome | null = null;
  let after: ReidOutcome | null = null;
  if (options.policy) {
    progress({ phase: 'testing', fraction: 0.75 });
    const reid = { quasi, sensitive: options.sensitive ?? [], policy: options.policy, signal: options.signal };
    before = await analyseCsv({ file: options.file, delimiter: data.delimiter }, reid);
    progress({ phase: 'testing', fraction: 0.85 });
    after = await analyseCsv({ file: options.out, delimiter: data.delimiter }, reid);
  }
  progress({ phase: 'done', fraction: 1 });
  const levels: Record<string, number> = {};
  quasi.forEach((q, i) => (levels[q] = best.levels[i]));
  return {
    levels,
    suppressed: best.suppressed,
    classes: best.classes,
    records: data.records,
    metric: result.metric,
    value: best.metrics[result.metric],
    metrics: best.metrics,
    models: { ...options.models, minClassSize: result.minClassSize },
    search: { nodes: result.nodes, evaluated: result.evaluated, ms: Math.round(ms) },
    output: { file: options.out, records: written.written, pseudonymized: options.pseudonymize ?? {} },
    hierarchies: Object.fromEntries(quasi.map((q) => [q, describe(options.hierarchies[q])])),
    before,
    after,
    released: after ? after.passed : null,
  };
}

function describe(spec: HierarchySpec): string {
  if ('file' in spec) return `file ${spec.file}`;
  if ('rule' in spec) {
    const r = spec.rule;
    return r.kind === 'interval'
      ? `interval:${r.widths.join(',')}`
      : r.kind === 'mask'
        ? `mask:${r.digits.join(',')}`
        : `date:${r.steps.join(',')}`;
  }
  return 'given';
}

/** No node of the lattice satisfies the models within the suppression limit (CLI exit 3). */
export class NoTransformationError extends Error {
  constructor(readonly result: AnonymizationResult) {
    super(
      `no transformation satisfies the privacy models within the suppression limit (${result.nodes} nodes searched)`,
    );
  }
}

// The metrics engine: pure functions from a ClassTable to ARX's risk figures.
//   f = size of a record's class, n = records, K = classes, F = population class size
//   k-anonymity = min f; prosecutor highest = 1/min f, average = K/n, records at risk = share with 1/f > t
//   journalist highest = 1/min F, records at risk = share with 1/F > t; marketer = (Σ_classes f/F) / n
// Every aggregate over classes is either a min/max, an integer sum, or a float sum taken in a
// sorted order, so the figures never depend on the order classes arrive in.
import { ClassTable, Utf8Scratch } from './class-table';
import { ReidInputError } from './errors';
import { displayClasses, generalizationEnabled } from './generalize';
import { maskIdentifiersInText } from './leak-detectors';
import { sensitiveMetrics } from './sensitive-metrics';
import type { JournalistRisk, MarketerRisk, ReidMetrics, RiskyClass } from './types';

export const DEFAULT_RISK_THRESHOLD = 0.2;
export const DEFAULT_K_VALUES = [2, 3, 5, 10];
export const DEFAULT_L_VALUES = [2, 3];
export const DEFAULT_RISKIEST = 10;

export interface MetricOptions {
  riskThreshold?: number;
  /** Keys of recordsBelowK (the policy's k is added by the caller). */
  kValues?: readonly number[];
  lValues?: readonly number[];
  riskiestCount?: number;
  /**
   * The policy's k: the listed classes smaller than k, or with 1/f above the risk threshold, show
   * generalized values (generalize.ts). Without it the list holds raw values (the engine's own tests,
   * a permitted reveal): never store or show such a list.
   */
  generalizeBelowK?: number;
  /** Class sizes of the population (same quasi-identifiers): enables journalist and marketer risk. */
  population?: ClassTable | null;
}

export function computeMetrics(table: ClassTable, options: MetricOptions = {}): ReidMetrics {
  const t = options.riskThreshold ?? DEFAULT_RISK_THRESHOLD;
  const kValues = sortedUnique(options.kValues ?? DEFAULT_K_VALUES);
  const lValues = sortedUnique(options.lValues ?? DEFAULT_L_VALUES);
  const n = table.records;
  const K = table.classCount;
  if (n === 0) throw new ReidInputError('empty', 'the dataset has no records to measure');

  let minF = Infinity;
  let maxF = 0;
  let uniques = 0;
  let atRisk = 0;
  const below = kValues.map(() => 0);
  for (let cid = 0; cid < K; cid++) {
    const f = table.sizes[cid];
    if (f < minF) minF = f;
    if (f > maxF) maxF = f;
    if (f === 1) uniques++;
    if (1 / f > t) atRisk += f;
    for (let i = 0; i < kValues.length; i++) if (f < kValues[i]) below[i] += f;
  }
  const recordsBelowK: Record<string, number> = {};
  kValues.forEach((k, i) => (recordsBelowK[String(k)] = below[i]));

  const population = options.population ? populationRisk(table, options.population, t) : null;
  const sensitive: ReidMetrics['sensitive'] = {};
  table.sensitive.forEach((name, a) => (sensitive[name] = sensitiveMetrics(table, a, lValues)));

  return {
    records: n,
    equivalenceClasses: K,
    minClassSize: minF,
    maxClassSize: maxF,
    averageClassSize: n / K,
    sampleUniques: uniques,
    sampleUniqueness: uniques / n,
    recordsBelowK,
    prosecutor: { highest: 1 / minF, average: K / n, recordsAtRisk: atRisk / n, riskThreshold: t },
    journalist: population?.journalist ?? null,
    marketer: population?.marketer ?? null,
    sensitive,
    riskiestClasses:
      options.generalizeBelowK === undefined || !generalizationEnabled()
        ? riskiestClasses(table, options.riskiestCount ?? DEFAULT_RISKIEST)
        : displayClasses(table, riskiestClassIds(table, options.riskiestCount ?? DEFAULT_RISKIEST), {
            k: options.generalizeBelowK,
            riskThreshold: t,
          }),
  };
}

function populationRisk(
  table: ClassTable,
  population: ClassTable,
  t: number,
): { journalist: JournalistRisk; marketer: MarketerRisk } {
  const n = table.records;
  let minF = Infinity;
  let atRisk = 0;
  // Σ f/F grouped by F: the per-F sums are exact integers, added in ascending F order.
  const recordsByF = new Map<number, number>();
  for (let cid = 0; cid < table.classCount; cid++) {
    const f = table.sizes[cid];
    const key = table.keys.bytes(cid);
    const pid = population.keys.find(key, 0, key.length);
    const F = pid < 0 ? 0 : population.sizes[pid];
    if (F < f) {
      const values = table.values(cid).map(maskIdentifiersInText).join(', ');
      throw new ReidInputError(
        'not_superset',
        `the population is not a superset of the dataset: the class (${values}) has ${f} records in the dataset but ${F} in the population`,
      );
    }
    if (F < minF) minF = F;
    if (1 / F > t) atRisk += f;
    recordsByF.set(F, (recordsByF.get(F) ?? 0) + f);
  }
  let marketer = 0;
  for (const F of [...recordsByF.keys()].sort((a, b) => a - b)) marketer += recordsByF.get(F)! / F;
  return {
    journalist: {
      highest: 1 / minF,
      recordsAtRisk: atRisk / n,
      riskThreshold: t,
      populationRecords: population.records,
    },
    marketer: { risk: marketer / n },
  };
}

/**
 * The `count` smallest classes, ties broken by their QI values in code point order so every source
 * lists the same ones. A sorted window of `count` ids: the common test (f larger than the window's
 * largest) rejects most classes without comparing keys.
 */
export function riskiestClasses(table: ClassTable, count: number): RiskyClass[] {
  return riskiestClassIds(table, count).map((cid) => {
    const parts = table.values(cid);
    const values: Record<string, string> = {};
    table.quasi.forEach((q, i) => (values[q] = maskIdentifiersInText(parts[i])));
    return { values, size: table.sizes[cid] };
  });
}

/** The ids of the `count` smallest classes, in the order riskiestClasses lists them. */
export function riskiestClassIds(table: ClassTable, count: number): number[] {
  const best: number[] = [];
  const before = (a: number, b: number) => table.sizes[a] - table.sizes[b] || table.keys.compare(a, b);
  for (let cid = 0; cid < table.classCount && count > 0; cid++) {
    if (best.length === count && before(cid, best[count - 1]) >= 0) continue;
    let i = best.length === count ? count - 1 : best.length;
    while (i > 0 && before(cid, best[i - 1]) < 0) {
      if (i < count) best[i] = best[i - 1];
      i--;
    }
    best[i] = cid;
  }
  return best;
}

function sortedUnique(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

// ---------------------------------------------------------------- the literal form (tests, small inputs)

export interface ClassListInput {
  quasi: string[];
  sensitive?: string[];
  classes: {
    values: string[]; // QI values in the order of `quasi`
    size: number;
    /** Per sensitive attribute: value → records of this class with that value (sums to size). */
    histograms?: Record<string, Record<string, number>>;
    /** Size of the matching population class; give it for every class or none. */
    populationSize?: number;
  }[];
}

/** computeMetrics over classes written out literally, e.g. from a hand-computed example. */
export function analyseClasses(input: ClassListInput, options: Omit<MetricOptions, 'population'> = {}): ReidMetrics {
  const [table, { population }] = classTableFromList(input);
  return computeMetrics(table, { ...options, population });
}

export function classTableFromList(input: ClassListInput): [ClassTable, MetricOptions] {
  const sensitive = input.sensitive ?? [];
  const table = new ClassTable(input.quasi, sensitive);
  const withPopulation = input.classes.some((c) => c.populationSize !== undefined);
  const population = withPopulation ? new ClassTable(input.quasi) : null;
  const key = new Utf8Scratch();
  const value = new Utf8Scratch();
  for (const c of input.classes) {
    if (c.values.length !== input.quasi.length)
      throw new ReidInputError('bad_option', 'a class needs one value per quasi-identifier');
    if (!Number.isInteger(c.size) || c.size < 1)
      throw new ReidInputError('bad_option', 'a class has at least one record');
    key.key(c.values);
    const cid = table.classId(key.buf, 0, key.length);
    sensitive.forEach((name, a) => {
      const hist = c.histograms?.[name] ?? {};
      const total = Object.values(hist).reduce((s, x) => s + x, 0);
      if (total !== c.size)
        throw new ReidInputError('bad_option', `the histogram of ${name} must sum to the class size ${c.size}`);
      // Marginal histograms: each attribute counts its own records-before within the class.
      let before = table.sizes[cid];
      for (const [v, count] of Object.entries(hist)) {
        value.reset().append(v);
        table.attributes[a].add(cid, before, value.buf, 0, value.length, count);
        before += count;
      }
    });
    table.addRecords(cid, c.size);
    if (population) {
      if (c.populationSize === undefined)
        throw new ReidInputError('bad_option', 'give populationSize for every class or none');
      population.addRecords(population.classId(key.buf, 0, key.length), c.populationSize);
    }
  }
  return [table, { population }];
}

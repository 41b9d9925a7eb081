// The re-identification service: reads a CSV file or a Postgres table into class counts, adds the
// optional population and linkage passes, computes the metrics and judges them against the policy.
// Jobs, the web app and the CLI all call analyseCsv / analyseTable; nothing here knows about HTTP.
import path from 'node:path';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { ClassTable } from './class-table';
import { readCsvClasses } from './csv-source';
import { ReidInputError } from './errors';
import type { LeakScanner } from './leak-scan';
import { simulateLinkage } from './linkage';
import { computeMetrics, DEFAULT_K_VALUES, DEFAULT_L_VALUES } from './metrics';
import { readTableClasses, type TableReadOptions, type TableReadResult } from './pg-source';
import { readMysqlTableClasses } from './mysql-source';
import { evaluate } from './thresholds';
import type { AppliedPolicy, LinkageResult, ProgressFn, ReidOutcome, ReidProgress, ReidRun } from './types';

const columnName = z.string().min(1, 'a column name cannot be empty');
export const reidColumnsSchema = z
  .object({
    quasi: z.array(columnName).min(1, 'name at least one quasi-identifier'),
    sensitive: z.array(columnName).default([]),
  })
  .refine((c) => new Set(c.quasi).size === c.quasi.length, 'a quasi-identifier is named twice')
  .refine((c) => new Set(c.sensitive).size === c.sensitive.length, 'a sensitive attribute is named twice')
  .refine(
    (c) => !c.sensitive.some((s) => c.quasi.includes(s)),
    'a column cannot be both quasi-identifier and sensitive',
  );

export interface CsvInput {
  file?: string;
  stream?: AsyncIterable<Uint8Array>;
  totalBytes?: number;
  delimiter?: string;
}

export interface AnalysisOptions {
  quasi: string[];
  sensitive?: string[];
  policy: AppliedPolicy;
  /** A population table (superset, same QIs) as CSV: enables journalist and marketer risk. */
  population?: CsvInput;
  /** Linkage attack: an auxiliary CSV and the dataset columns to join on (auxiliaryOn if named differently there). */
  linkage?: CsvInput & { on: string[]; auxiliaryOn?: string[] };
  maxBytes?: number;
  /** Postgres work_mem for the table aggregation's transaction (default 64MB, see pg-source.ts). */
  workMem?: string;
  riskiestCount?: number;
  /**
   * List the riskiest classes with their raw values (a permitted, audited reveal; never stored).
   * Otherwise classes below the policy's k show generalized values.
   */
  revealRawClasses?: boolean;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

export async function analyseCsv(input: CsvInput, options: AnalysisOptions): Promise<ReidOutcome> {
  const { quasi, sensitive } = columns(options);
  const progress = new ProgressReporter(options.onProgress, options.population ? 0.7 : 0.9, !!options.linkage);
  const main = await readCsvClasses({
    ...input,
    quasi,
    sensitive,
    maxBytes: options.maxBytes,
    signal: options.signal,
    onChunk: (read, total, records) => progress.main('reading', total ? read / total : 0, records),
  });
  let linkageTable: ClassTable | null = null;
  if (options.linkage) {
    if (!input.file)
      throw new ReidInputError('bad_option', 'a linkage test needs the dataset as a file (it is read a second time)');
    linkageTable = (
      await readCsvClasses({ ...input, quasi: options.linkage.on, scanLeaks: false, signal: options.signal })
    ).table;
  }
  return finish(main.table, main.leaks, linkageTable, options, progress);
}

/** The engine's own GROUP BY push-down: PostgreSQL (COPY) or MySQL/MariaDB (a streamed query). */
function readClasses(db: Knex, options: TableReadOptions): Promise<TableReadResult> {
  const client = String((db.client as { config?: { client?: unknown } }).config?.client ?? '');
  return client.startsWith('mysql') ? readMysqlTableClasses(db, options) : readTableClasses(db, options);
}

export async function analyseTable(db: Knex, table: string, options: AnalysisOptions): Promise<ReidOutcome> {
  const { quasi, sensitive } = columns(options);
  const progress = new ProgressReporter(options.onProgress, options.population ? 0.7 : 0.9, !!options.linkage);
  progress.main('grouping', 0, 0);
  const main = await readClasses(db, {
    table,
    quasi,
    sensitive,
    signal: options.signal,
    workMem: options.workMem,
    onFetch: (records, estimate) => progress.main('fetching', estimate ? 0.5 + records / estimate / 2 : 0.5, records),
  });
  const linkageTable = options.linkage
    ? (await readClasses(db, { table, quasi: options.linkage.on, scanLeaks: false, signal: options.signal })).table
    : null;
  return finish(main.table, main.leaks, linkageTable, options, progress);
}

/** analyseCsv / analyseTable with what varies per run, for storing and for the PDF report. */
export async function runReid(
  source: { csv: CsvInput; label?: string } | { db: Knex; table: string; label?: string },
  options: AnalysisOptions,
): Promise<ReidRun> {
  const started = Date.now();
  const outcome =
    'csv' in source ? await analyseCsv(source.csv, options) : await analyseTable(source.db, source.table, options);
  const dataset = source.label ?? ('csv' in source ? path.basename(source.csv.file ?? 'upload.csv') : source.table);
  return {
    dataset,
    source: 'csv' in source ? 'csv' : 'postgres',
    analysedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome,
  };
}

function columns(options: AnalysisOptions): { quasi: string[]; sensitive: string[] } {
  const parsed = reidColumnsSchema.safeParse({ quasi: options.quasi, sensitive: options.sensitive ?? [] });
  if (!parsed.success) throw new ReidInputError('bad_option', parsed.error.issues[0].message);
  if (
    options.linkage &&
    options.linkage.auxiliaryOn &&
    options.linkage.auxiliaryOn.length !== options.linkage.on.length
  ) {
    throw new ReidInputError('bad_option', 'name as many auxiliary join columns as dataset join columns');
  }
  return parsed.data;
}

async function finish(
  table: ClassTable,
  leaks: LeakScanner | null,
  linkageTable: ClassTable | null,
  options: AnalysisOptions,
  progress: ProgressReporter,
): Promise<ReidOutcome> {
  const { thresholds } = options.policy;
  let population: ClassTable | null = null;
  if (options.population) {
    population = (
      await readCsvClasses({
        ...options.population,
        quasi: table.quasi,
        scanLeaks: false,
        maxBytes: options.maxBytes,
        signal: options.signal,
        onChunk: (read, total, records) => progress.population(total ? read / total : 0, records),
      })
    ).table;
  }
  let linkage: LinkageResult | null = null;
  if (options.linkage && linkageTable) {
    const aux = await readCsvClasses({
      ...options.linkage,
      quasi: options.linkage.auxiliaryOn ?? options.linkage.on,
      scanLeaks: false,
      signal: options.signal,
    });
    linkage = simulateLinkage(linkageTable, aux.table, options.linkage.on);
  }
  progress.phase('analysing', table.records);
  const metrics = computeMetrics(table, {
    riskThreshold: thresholds.riskThreshold,
    kValues: [...DEFAULT_K_VALUES, thresholds.k],
    lValues: thresholds.l ? [...DEFAULT_L_VALUES, thresholds.l] : DEFAULT_L_VALUES,
    riskiestCount: options.riskiestCount,
    generalizeBelowK: options.revealRawClasses ? undefined : thresholds.k,
    population,
  });
  const identifierLeaks = leaks?.results() ?? [];
  const evaluation = evaluate({ ...metrics, identifierLeaks }, thresholds);
  progress.phase('done', table.records);
  return {
    quasiIdentifiers: [...table.quasi],
    sensitiveAttributes: [...table.sensitive],
    ...metrics,
    identifierLeaks,
    linkage,
    ...evaluation,
    policy: options.policy,
  };
}

/** Maps each pass onto one 0..1 bar and drops updates smaller than 1% (a BullMQ progress write each). */
class ProgressReporter {
  private last = -1;
  private lastPhase = '';

  constructor(
    private readonly fn: ProgressFn | undefined,
    private readonly mainShare: number,
    private readonly withLinkage: boolean,
  ) {}

  main(phase: ReidProgress['phase'], fraction: number, records: number): void {
    this.emit(phase, Math.min(fraction, 1) * this.mainShare * (this.withLinkage ? 0.9 : 1), records);
  }

  population(fraction: number, records: number): void {
    this.emit('population', this.mainShare + Math.min(fraction, 1) * (0.9 - this.mainShare), records);
  }

  phase(phase: ReidProgress['phase'], records: number): void {
    this.emit(phase, phase === 'done' ? 1 : 0.9, records);
  }

  private emit(phase: ReidProgress['phase'], fraction: number, records: number): void {
    if (!this.fn || (phase === this.lastPhase && fraction - this.last < 0.01)) return;
    this.last = fraction;
    this.lastPhase = phase;
    this.fn({ phase, fraction, records });
  }
}

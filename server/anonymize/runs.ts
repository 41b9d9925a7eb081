// Anonymization runs in Postgres: queued → running → done | failed. Each move is one conditional
// UPDATE with its audit entry in the same transaction, so a retried or re-enqueued job finds the
// row's state and carries on (or skips a finished run).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { HierarchyRule } from '../reid/hierarchy';
import type { Metric } from './engine';
import type { PseudonymMethod } from './pseudonymize';

export type AnonymizationStatus = 'queued' | 'running' | 'done' | 'failed';
export const ACTIVE_STATUSES = ['queued', 'running'] as const;

export interface AnonymizationOptions {
  system: string;
  table: string;
  quasi: string[];
  sensitive: string[];
  /** Quasi-identifier → the rule its hierarchy is built from (as typed: "date:month,year"). */
  rules: Record<string, string>;
  maxSuppression: number;
  metric: Metric;
  /** Direct identifiers pseudonymized, as the data map declares them when the run was queued. */
  pseudonymize: Record<string, PseudonymMethod>;
}

export interface AnonymizationRow {
  id: string;
  dataset: string;
  release_kind: string;
  options: AnonymizationOptions;
  status: AnonymizationStatus;
  progress_percent: number;
  progress_label: string;
  result: AnonymizationResultJson | null;
  released: boolean | null;
  output_sha256: string | null;
  error: string | null;
  requested_by: string;
  bundle_hash: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface GateSummary {
  passed: boolean;
  records: number;
  classes: number;
  k: number;
  highestRisk: number;
  averageRisk: number;
  recordsAtRisk: number;
  violations: string[];
}

export interface AnonymizationResultJson {
  levels: Record<string, number>;
  suppressed: number;
  classes: number;
  records: number;
  metric: Metric;
  value: number;
  metrics: Record<string, number>;
  search: { nodes: number; evaluated: number; ms: number };
  output: { records: number; pseudonymized: Record<string, PseudonymMethod> };
  hierarchies: Record<string, string>;
  released: boolean | null;
  before: GateSummary | null;
  after: GateSummary | null;
}

export type ParsedRules = Record<string, HierarchyRule>;

/** Every column but the output bytes, which only the download needs. */
const COLUMNS = [
  'id',
  'dataset',
  'release_kind',
  'options',
  'status',
  'progress_percent',
  'progress_label',
  'result',
  'released',
  'output_sha256',
  'error',
  'requested_by',
  'bundle_hash',
  'created_at',
  'started_at',
  'finished_at',
];
const ACTOR = 'system:worker';
const PROGRESS_EVERY_MS = 250;

export const anonymizationById = (db: Knex, id: string) =>
  db('anonymization_runs').where({ id }).first(COLUMNS) as Promise<AnonymizationRow | undefined>;

export const activeAnonymizationIds = (db: Knex) =>
  db('anonymization_runs').whereIn('status', ACTIVE_STATUSES).orderBy('created_at').pluck('id') as Promise<string[]>;

export const recentAnonymizations = (db: Knex, limit = 20) =>
  db('anonymization_runs').orderBy('created_at', 'desc').limit(limit).select(COLUMNS) as Promise<AnonymizationRow[]>;

export async function outputOf(db: Knex, id: string): Promise<Buffer | null> {
  const row = await db('anonymization_runs').where({ id, status: 'done' }).first('output_enc');
  return row?.output_enc ?? null;
}

async function transition(
  db: Knex,
  id: string,
  from: readonly AnonymizationStatus[],
  patch: Record<string, unknown>,
): Promise<AnonymizationRow | undefined> {
  const [row] = await db('anonymization_runs').where({ id }).whereIn('status', from).update(patch).returning(COLUMNS);
  return row as AnonymizationRow | undefined;
}

export async function createAnonymization(
  deps: Pick<Deps, 'db' | 'audit' | 'policies'>,
  input: { dataset: string; releaseKind: string; options: AnonymizationOptions },
  actor: string,
): Promise<AnonymizationRow> {
  return deps.db.transaction(async (trx) => {
    const [row] = await trx('anonymization_runs')
      .insert({
        dataset: input.dataset,
        release_kind: input.releaseKind,
        options: input.options,
        requested_by: actor,
        bundle_hash: deps.policies.hash(),
      })
      .returning(COLUMNS);
    const o = input.options;
    await deps.audit.append(
      {
        actor,
        action: 'anonymization.create',
        target: `anonymization_run:${row.id}`,
        details: {
          dataset: input.dataset,
          releaseKind: input.releaseKind,
          quasi: o.quasi,
          sensitive: o.sensitive,
          rules: o.rules,
          maxSuppression: o.maxSuppression,
          metric: o.metric,
          pseudonymize: o.pseudonymize,
        },
      },
      trx,
    );
    return row as AnonymizationRow;
  });
}

/** queued → running, audited once; a retry finds the run already running and carries on. */
export async function startAnonymization(
  deps: Deps,
  row: AnonymizationRow,
  bundleHash: string,
): Promise<AnonymizationRow> {
  if (row.status === 'running') return row;
  return deps.db.transaction(async (trx) => {
    const moved = await transition(trx, row.id, ['queued'], {
      status: 'running',
      started_at: new Date(),
      bundle_hash: bundleHash,
      progress_label: 'Starting',
    });
    if (!moved) return (await anonymizationById(trx, row.id))!;
    await deps.audit.append(
      {
        actor: ACTOR,
        action: 'anonymization.start',
        target: `anonymization_run:${row.id}`,
        details: { dataset: row.dataset, bundleHash },
      },
      trx,
    );
    return moved;
  });
}

export async function finishAnonymization(
  deps: Deps,
  row: AnonymizationRow,
  result: AnonymizationResultJson,
  csv: Buffer,
): Promise<AnonymizationRow | undefined> {
  const sha256 = crypto.createHash('sha256').update(csv).digest('hex');
  return deps.db.transaction(async (trx) => {
    const done = await transition(trx, row.id, ['running'], {
      status: 'done',
      result,
      released: result.released,
      output_enc: deps.crypto.encryptBytes(csv),
      output_sha256: sha256,
      progress_percent: 100,
      progress_label: 'Done',
      finished_at: new Date(),
      error: null,
    });
    if (!done) return undefined;
    await deps.audit.append(
      {
        actor: ACTOR,
        action: 'anonymization.finish',
        target: `anonymization_run:${row.id}`,
        details: {
          dataset: row.dataset,
          levels: result.levels,
          suppressed: result.suppressed,
          records: result.records,
          released: result.released,
          outputSha256: sha256,
        },
      },
      trx,
    );
    return done;
  });
}

export async function failAnonymization(deps: Deps, id: string, message: string): Promise<void> {
  const error = message.split('\n')[0].slice(0, 500);
  await deps.db.transaction(async (trx) => {
    const failed = await transition(trx, id, ['queued', 'running'], {
      status: 'failed',
      error,
      progress_label: 'Could not be completed',
      finished_at: new Date(),
    });
    if (!failed) return;
    await deps.audit.append(
      {
        actor: ACTOR,
        action: 'anonymization.failed',
        target: `anonymization_run:${id}`,
        details: { dataset: failed.dataset, error },
      },
      trx,
    );
  });
}

const PHASE_LABEL = {
  reading: 'Reading the table',
  searching: 'Searching the generalization lattice',
  writing: 'Writing the anonymized version',
  testing: 'Re-identification-testing before and after',
  done: 'Done',
};

/** Throttled progress: the row (what the page polls) and the job, written in order. */
export function anonymizationProgress(
  deps: Deps,
  id: string,
  toJob: (percent: number, label: string) => Promise<void>,
) {
  let last = 0;
  let chain: Promise<void> = Promise.resolve();
  return {
    update(p: { phase: keyof typeof PHASE_LABEL; fraction: number }): void {
      const now = Date.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const percent = Math.min(99, Math.floor(p.fraction * 100));
      const label = PHASE_LABEL[p.phase];
      chain = chain
        .then(async () => {
          await deps
            .db('anonymization_runs')
            .where({ id, status: 'running' })
            .update({ progress_percent: percent, progress_label: label });
          await toJob(percent, label);
        })
        .catch((err) =>
          deps.logger.warn(
            { event: 'anonymization.progress.failed', runId: id, error: (err as Error).message },
            'progress not recorded',
          ),
        );
    },
    settled: () => chain,
  };
}

/** The JSON views/static/app.js polls: {percent, status, label, done}. */
export function anonymizationProgressOf(
  row: Pick<AnonymizationRow, 'status' | 'progress_percent' | 'progress_label' | 'released'>,
) {
  const done = row.status === 'done' || row.status === 'failed';
  const percent = row.status === 'done' ? 100 : done ? row.progress_percent : Math.min(99, row.progress_percent);
  const label =
    row.status === 'done'
      ? `Done: the anonymized version ${row.released ? 'passes' : 'still fails'} the release policy`
      : row.progress_label || (row.status === 'queued' ? 'Waiting for a worker' : 'Running');
  return { status: row.status, percent, label, done };
}

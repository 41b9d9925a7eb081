// Plain knex functions over reid_runs, reid_uploads and datasets.
import type { Knex } from 'knex';
import type { ReidOutcome } from './types';

export type RunStatus = 'queued' | 'running' | 'done' | 'failed';
export type ReleaseStatus = 'untested' | 'blocked' | 'releasable' | 'released';
export const ACTIVE_RUN_STATUSES = ['queued', 'running'] as const;

export interface RunOptions {
  quasi: string[];
  sensitive: string[];
  /** CSV: ',' ';' '\t' or absent (detected). */
  delimiter?: string;
  /** Postgres: the data map's system and table. */
  system?: string;
  table?: string;
  /** CSV: the uploaded file's name and size (never its content). */
  filename?: string;
  bytes?: number;
}

export interface RunRow {
  id: string;
  dataset: string;
  source: 'csv' | 'postgres';
  release_kind: string;
  options: RunOptions;
  status: RunStatus;
  progress_percent: number;
  progress_label: string;
  result: ReidOutcome | null;
  passed: boolean | null;
  duration_ms: number | null;
  report: Buffer | null;
  report_sha256: string | null;
  error: string | null;
  error_code: string | null;
  requested_by: string;
  bundle_hash: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface DatasetRow {
  name: string;
  release_status: ReleaseStatus;
  last_run_id: string | null;
  released_by: string | null;
  released_at: Date | null;
  updated_at: Date;
}

/** Every column but the PDF bytes, which only the download needs. */
const RUN_COLUMNS = [
  'id',
  'dataset',
  'source',
  'release_kind',
  'options',
  'status',
  'progress_percent',
  'progress_label',
  'result',
  'passed',
  'duration_ms',
  'report_sha256',
  'error',
  'error_code',
  'requested_by',
  'bundle_hash',
  'created_at',
  'started_at',
  'finished_at',
];

export const runById = (db: Knex, id: string) =>
  db<RunRow>('reid_runs').where({ id }).first(RUN_COLUMNS) as Promise<RunRow | undefined>;

export const reportOf = (db: Knex, id: string) =>
  db('reid_runs').where({ id }).whereNotNull('report').first('report', 'report_sha256', 'dataset') as Promise<
    { report: Buffer; report_sha256: string; dataset: string } | undefined
  >;

export const datasetByName = (db: Knex, name: string) => db<DatasetRow>('datasets').where({ name }).first();

/** Moves a run from one of `from` atomically; undefined when its status had moved on. */
export async function transitionRun(
  db: Knex,
  id: string,
  from: readonly RunStatus[],
  patch: Partial<RunRow>,
): Promise<RunRow | undefined> {
  const [row] = await db('reid_runs').where({ id }).whereIn('status', from).update(patch).returning(RUN_COLUMNS);
  return row as RunRow | undefined;
}

export async function setRunProgress(db: Knex, id: string, percent: number, label: string): Promise<void> {
  await db('reid_runs').where({ id, status: 'running' }).update({ progress_percent: percent, progress_label: label });
}

export const activeRunIds = (db: Knex) =>
  db('reid_runs').whereIn('status', ACTIVE_RUN_STATUSES).orderBy('created_at').pluck('id') as Promise<string[]>;

export const hasActiveRun = async (db: Knex, dataset: string) =>
  Boolean(await db('reid_runs').where({ dataset }).whereIn('status', ACTIVE_RUN_STATUSES).first('id'));

/** A dataset's runs, newest first. */
export const historyQuery = (db: Knex, dataset: string) => db<RunRow>('reid_runs').where({ dataset });

export const historyPage = (db: Knex, dataset: string, limit: number, offset: number) =>
  historyQuery(db, dataset)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .select(RUN_COLUMNS) as Promise<RunRow[]>;

/** Completed runs for the trend chart, oldest first. */
export const trendRuns = (db: Knex, dataset: string, limit = 100) =>
  db('reid_runs')
    .where({ dataset, status: 'done' })
    .orderBy('finished_at', 'desc')
    .limit(limit)
    .select('id', 'finished_at', 'passed', 'result') as Promise<
    Pick<RunRow, 'id' | 'finished_at' | 'passed' | 'result'>[]
  >;

export const DATASET_SORTS = {
  name: 'datasets.name',
  tested: 'last_finished_at',
  status: 'datasets.release_status',
} as const;

/** Datasets with their latest completed run, and the newest run still in progress if any. */
export function datasetsQuery(db: Knex) {
  return db('datasets')
    .leftJoin('reid_runs as last', 'last.id', 'datasets.last_run_id')
    .select(
      'datasets.name',
      'datasets.release_status',
      'datasets.last_run_id',
      'datasets.released_at',
      'last.finished_at as last_finished_at',
      'last.passed as last_passed',
      'last.release_kind as last_release_kind',
      db.raw(`(last.result->'prosecutor'->>'recordsAtRisk')::float as last_records_at_risk`),
      db.raw(
        `(SELECT r.id FROM reid_runs r WHERE r.dataset = datasets.name AND r.status IN ('queued', 'running') ORDER BY r.created_at DESC LIMIT 1) AS active_run_id`,
      ),
    );
}

export const blockedDatasets = (db: Knex, limit: number) =>
  db('datasets')
    .join('reid_runs as last', 'last.id', 'datasets.last_run_id')
    .where('datasets.release_status', 'blocked')
    .orderBy('last.finished_at', 'desc')
    .limit(limit)
    .select(
      'datasets.name',
      'last.id as run_id',
      'last.finished_at',
      db.raw(`last.result->'violations' as violations`),
    ) as Promise<{ name: string; run_id: string; finished_at: Date; violations: ReidOutcome['violations'] }[]>;

export async function countBlocked(db: Knex): Promise<number> {
  const [{ n }] = await db('datasets').where({ release_status: 'blocked' }).count<{ n: string }[]>({ n: '*' });
  return Number(n);
}

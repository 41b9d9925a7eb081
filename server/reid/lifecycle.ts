// A run's life in Postgres: queued → running → done | failed. Each move is one conditional
// UPDATE with its audit entry in the same transaction; finishing also stores the report, moves
// the dataset's release status and deletes the uploaded file (personal data).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import { deleteUpload } from './uploads';
import { datasetByName, runById, setRunProgress, transitionRun, type RunRow } from './queries';
import { phaseLabel } from './view-model';
import type { ReidProgress, ReidRun } from './types';

const ACTOR = 'system:worker';
const PROGRESS_EVERY_MS = 250; // at most four writes a second

const oneLine = (message: string) => message.split('\n')[0].slice(0, 500);

/** queued → running, audited once; a retry finds the run already running and carries on. */
export async function startRun(deps: Deps, row: RunRow, bundleHash: string): Promise<RunRow> {
  if (row.status === 'running') return row;
  return deps.db.transaction(async (trx) => {
    const moved = await transitionRun(trx, row.id, ['queued'], {
      status: 'running',
      started_at: new Date(),
      bundle_hash: bundleHash,
      progress_label: 'Starting',
    });
    if (!moved) return (await runById(trx, row.id))!;
    await deps.audit.append(
      {
        actor: ACTOR,
        action: 'reid.start',
        target: `reid_run:${row.id}`,
        details: { dataset: row.dataset, source: row.source, releaseKind: row.release_kind, bundleHash },
      },
      trx,
    );
    return moved;
  });
}

/** Throttled progress: the row (what the page polls) and the BullMQ job, written in order. */
export function progressWriter(deps: Deps, runId: string, toJob: (percent: number, label: string) => Promise<void>) {
  let last = 0;
  let chain: Promise<void> = Promise.resolve();
  return {
    update(p: ReidProgress): void {
      const now = Date.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const percent = Math.min(99, Math.floor(p.fraction * 100));
      const label = phaseLabel(p);
      chain = chain
        .then(async () => {
          await setRunProgress(deps.db, runId, percent, label);
          await toJob(percent, label);
        })
        .catch((err) =>
          deps.logger.warn(
            { event: 'reid.progress.failed', runId, error: (err as Error).message },
            'progress not recorded',
          ),
        );
    },
    settled: () => chain,
  };
}

export async function finishRun(deps: Deps, row: RunRow, run: ReidRun, report: Buffer): Promise<RunRow | undefined> {
  const sha256 = crypto.createHash('sha256').update(report).digest('hex');
  const o = run.outcome;
  return deps.db.transaction(async (trx) => {
    const done = await transitionRun(trx, row.id, ['running'], {
      status: 'done',
      result: o,
      passed: o.passed,
      duration_ms: run.durationMs,
      report,
      report_sha256: sha256,
      progress_percent: 100,
      progress_label: 'Done',
      finished_at: new Date(),
      error: null,
      error_code: null,
    });
    if (!done) return undefined;
    const releaseStatus = await recordOutcome(trx, done);
    await deleteUpload(trx, row.id);
    await deps.audit.append(
      {
        actor: ACTOR,
        action: 'reid.finish',
        target: `reid_run:${row.id}`,
        details: {
          dataset: row.dataset,
          passed: o.passed,
          violations: o.violations.map((v) => (v.subject ? `${v.threshold}(${v.subject})` : v.threshold)),
          records: o.records,
          reportSha256: sha256,
          releaseStatus,
        },
      },
      trx,
    );
    return done;
  });
}

/** The dataset follows its newest completed run: failed → blocked, passed → releasable. */
async function recordOutcome(trx: Knex.Transaction, run: RunRow): Promise<string | null> {
  await trx('datasets').insert({ name: run.dataset }).onConflict('name').ignore();
  await trx.raw('SELECT 1 FROM datasets WHERE name = ? FOR UPDATE', [run.dataset]);
  const dataset = (await datasetByName(trx, run.dataset))!;
  if (dataset.last_run_id) {
    const previous = await trx('reid_runs').where({ id: dataset.last_run_id }).first('created_at');
    // Runs can finish out of order: an older run never overrides a newer one's verdict.
    if (previous && previous.created_at > run.created_at) return null;
  }
  const status = run.passed ? 'releasable' : 'blocked';
  await trx('datasets').where({ name: run.dataset }).update({
    release_status: status,
    last_run_id: run.id,
    released_by: null,
    released_at: null,
    updated_at: trx.fn.now(),
  });
  return status;
}

/** The run could not be completed: recorded with a one-line reason; the dataset's status stands. */
export async function failRun(deps: Deps, runId: string, message: string, code: string | null = null): Promise<void> {
  const error = oneLine(message);
  await deps.db.transaction(async (trx) => {
    const failed = await transitionRun(trx, runId, ['queued', 'running'], {
      status: 'failed',
      error,
      error_code: code,
      progress_label: 'Could not be completed',
      finished_at: new Date(),
    });
    if (!failed) return;
    await deleteUpload(trx, runId);
    await deps.audit.append(
      {
        actor: ACTOR,
        action: 'reid.failed',
        target: `reid_run:${runId}`,
        details: { dataset: failed.dataset, error, code },
      },
      trx,
    );
  });
}

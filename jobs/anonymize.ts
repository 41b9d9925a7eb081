// The anonymization job (job id = run id). Everything is read from Postgres, so a rerun after a
// crash, a flushed Redis or a retry is safe: a finished run is skipped, a running one is computed
// again from the table (the search is deterministic: the same table and options give the same
// transformation), and the result is written by one conditional UPDATE.
import { UnrecoverableError } from 'bullmq';
import type { JobContext, JobDefinition } from './job';
import { withLease } from './lease';
import { ErasureConfigError } from '../server/erasure/errors';
import { ReidInputError } from '../server/reid/errors';
import { AnonymizeInputError } from '../server/anonymize/errors';
import { NoTransformationError } from '../server/anonymize/service';
import { anonymizeTable } from '../server/anonymize/table-run';
import {
  activeAnonymizationIds,
  anonymizationById,
  anonymizationProgress,
  failAnonymization,
  finishAnonymization,
  startAnonymization,
} from '../server/anonymize/runs';

export interface AnonymizePayload {
  runId: string;
}

export const anonymizeJob: JobDefinition<AnonymizePayload> = {
  kind: 'anonymize',
  concurrency: 1, // one lattice search at a time per worker: it holds the table's columns in memory

  handle: (ctx, payload) => withLease(ctx.deps.db, 'anonymization_runs', payload.runId, () => run(ctx, payload)),

  async pending(deps) {
    return (await activeAnonymizationIds(deps.db)).map((id) => ({ jobId: id, payload: { runId: id } }));
  },

  failed: (deps, payload, error) => failAnonymization(deps, payload.runId, error.message),
};

async function run({ deps, progress }: JobContext, { runId }: AnonymizePayload) {
  const queued = await anonymizationById(deps.db, runId);
  if (!queued || queued.status === 'done' || queued.status === 'failed')
    return { skipped: queued?.status ?? 'missing' };
  const bundle = deps.policies.current();
  const row = await startAnonymization(deps, queued, bundle.hash);
  if (row.status !== 'running') return { skipped: row.status };
  const writer = anonymizationProgress(deps, runId, (percent, label) => progress(percent, label));
  try {
    const { result, csv } = await anonymizeTable(deps, bundle, row, (p) => writer.update(p));
    await writer.settled();
    await finishAnonymization(deps, row, result, csv);
    await progress(100, 'Done');
    return { released: result.released, records: result.records };
  } catch (err) {
    await writer.settled();
    // Input that cannot be anonymized as given, or no transformation meets the policy: outcomes.
    if (err instanceof AnonymizeInputError || err instanceof ReidInputError || err instanceof NoTransformationError) {
      await failAnonymization(deps, runId, err.message);
      return { failed: err.message };
    }
    if (err instanceof ErasureConfigError) throw new UnrecoverableError(err.message);
    throw err;
  }
}

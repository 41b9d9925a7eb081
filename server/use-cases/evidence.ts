// Evidence linked to a use case through the datasets and models it uses: their latest
// re-identification results, erasures that touched them, and flags raised on them after erasures.
import type { Knex } from 'knex';

export interface Evidence {
  reid: { dataset: string; runId: string; passed: boolean; finishedAt: Date; recordsAtRisk: number | null }[];
  erasures: { dataset: string; requests: number; rows: number; lastAt: Date | null }[];
  flags: { id: string; kind: string; artefact: string; dueAt: Date | null; resolved: boolean; createdAt: Date }[];
}

export async function latestReidRuns(db: Knex, datasets: string[]) {
  if (!datasets.length) return [];
  return db('reid_runs')
    .distinctOn('dataset')
    .whereIn('dataset', datasets)
    .where({ status: 'done' })
    .orderBy([{ column: 'dataset' }, { column: 'finished_at', order: 'desc' }])
    .select('id', 'dataset', 'passed', 'finished_at', 'result');
}

export async function evidenceFor(db: Knex, uc: { datasets: string[]; datamap_models: string[] }): Promise<Evidence> {
  const runs = await latestReidRuns(db, uc.datasets);
  const erasures = uc.datasets.length
    ? await db('request_steps')
        .whereRaw(`system || '.' || dataset = ANY(?)`, [uc.datasets])
        .where({ status: 'done' })
        .where('rows_affected', '>', 0)
        .groupByRaw(`system || '.' || dataset`)
        .select(
          db.raw(`system || '.' || dataset as dataset`),
          db.raw('count(distinct request_id)::int as requests'),
          db.raw('sum(rows_affected)::int as rows'),
          db.raw('max(done_at) as last_at'),
        )
    : [];
  const artefacts = [...uc.datasets, ...uc.datamap_models];
  const flags = artefacts.length
    ? await db('ai_artefact_flags').whereIn('artefact', artefacts).orderBy('created_at', 'desc').limit(50)
    : [];
  return {
    reid: runs.map((r) => ({
      dataset: r.dataset,
      runId: r.id,
      passed: Boolean(r.passed),
      finishedAt: r.finished_at,
      recordsAtRisk: r.result?.prosecutor?.recordsAtRisk ?? null,
    })),
    erasures: erasures.map((e: { dataset: string; requests: number; rows: number; last_at: Date | null }) => ({
      dataset: e.dataset,
      requests: e.requests,
      rows: e.rows,
      lastAt: e.last_at,
    })),
    flags: flags.map((f) => ({
      id: String(f.id),
      kind: f.kind,
      artefact: f.artefact,
      dueAt: f.due_at,
      resolved: Boolean(f.resolved_at),
      createdAt: f.created_at,
    })),
  };
}

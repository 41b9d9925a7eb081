// Datasets and their release status: the list, one dataset's history with its risk trend, and
// the release (refused while the latest test failed).
import { Router, type Response } from 'express';
import { paths } from '../http/paths';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { formError, noErrors, pageParams, type FormErrors, pager } from '../http/forms';
import { NotFoundError } from '../errors';
import { DATASET_NAME } from './commands';
import {
  datasetByName,
  datasetsQuery,
  DATASET_SORTS,
  historyPage,
  historyQuery,
  trendRuns,
  type DatasetRow,
} from './queries';
import { renderRiskTrendSvg, type TrendPoint } from './trend-svg';
import { percent } from './thresholds';
import { isoMinute, RELEASE_STATUS, verdictOf } from './view-model';
import { findDataset } from '../datamap/lookup';
import { lineageFor } from '../training';
import { releaseGate } from '../training';
import { renderLineageSvg } from '../training';
import { latestBiasCheck } from '../training';
import { services } from '../services';

const listSchema = z.object({
  sort: z.enum(['name', 'tested', 'status']).default('tested'),
  dir: z.enum(['asc', 'desc']).default('desc'),
});
const PAGE_SIZE = 25;

export function datasetRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const service = services(deps).reid;
  const load = async (name: string) => {
    const row = DATASET_NAME.test(name) ? await datasetByName(deps.db, name) : undefined;
    if (row) return row;
    // A data-map dataset not tested yet still has a page: its lineage and an untested status.
    if (!findDataset(deps.policies.current().datamap, name))
      throw new NotFoundError(`No dataset ${name} has been tested.`);
    return {
      name,
      release_status: 'untested',
      last_run_id: null,
      released_by: null,
      released_at: null,
    } as unknown as DatasetRow;
  };

  r.get('/datasets', can('read', 'dataset'), async (req, res) => {
    const parsed = listSchema.safeParse(req.query);
    const f = parsed.success ? parsed.data : listSchema.parse({});
    const { page, offset } = pageParams(req.query, PAGE_SIZE);
    const [{ n }] = await deps.db('datasets').count<{ n: string }[]>({ n: '*' });
    const rows = await datasetsQuery(deps.db)
      .orderBy([
        { column: DATASET_SORTS[f.sort], order: f.dir, nulls: 'last' },
        { column: 'datasets.name', order: 'asc' },
      ])
      .limit(PAGE_SIZE)
      .offset(offset);
    const qs = (extra: Record<string, string | number>) =>
      '?' +
      new URLSearchParams({
        sort: f.sort,
        dir: f.dir,
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
      });
    await res.page('datasets/index', {
      title: 'Datasets',
      datasets: rows.map((d) => ({
        name: d.name,
        href: paths.datasets.show(d.name),
        release: { ...RELEASE_STATUS[d.release_status as DatasetRow['release_status']], status: d.release_status },
        lastRunId: d.last_run_id,
        lastTested: isoMinute(d.last_finished_at),
        lastVerdict: d.last_run_id ? (d.last_passed ? 'passed' : 'failed') : null,
        recordsAtRisk: d.last_records_at_risk === null ? '—' : percent(d.last_records_at_risk),
        activeRunId: d.active_run_id,
      })),
      sort: f.sort,
      dir: f.dir,
      sortHref: (col: string) => qs({ sort: col, dir: f.sort === col && f.dir === 'asc' ? 'desc' : 'asc', page: 1 }),
      pager: pager(page, PAGE_SIZE, n, (p) => qs({ page: p })),
    });
  });

  const showPage = async (
    res: Response,
    dataset: DatasetRow,
    page: number,
    errors: FormErrors = noErrors,
    status = 200,
  ) => {
    const [{ n }] = await historyQuery(deps.db, dataset.name).count<{ n: string }[]>({ n: '*' });
    const runs = await historyPage(deps.db, dataset.name, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    const trend = (await trendRuns(deps.db, dataset.name)).reverse();
    const points: TrendPoint[] = trend.map((t) => ({
      at: t.finished_at!.toISOString(),
      recordsAtRisk: t.result!.prosecutor.recordsAtRisk,
      highestRisk: t.result!.prosecutor.highest,
      passed: Boolean(t.passed),
    }));
    const latest = trend.at(-1)?.result;
    const base = paths.datasets.show(dataset.name);
    const isTable = service.tables().some((t) => t.ref === dataset.name);
    const lineage = await lineageFor(deps, dataset.name);
    const trainingBlockers = await releaseGate(deps, dataset.name);
    const latestBias = await latestBiasCheck(deps.db, dataset.name);
    await res.page(
      'datasets/show',
      {
        title: errors.summary.length ? `Error: dataset ${dataset.name}` : `Dataset ${dataset.name}`,
        dataset,
        base,
        release: { ...RELEASE_STATUS[dataset.release_status], status: dataset.release_status },
        releasedAt: isoMinute(dataset.released_at),
        // Built by trend-svg.ts, which escapes every text it writes; it has no script.
        // Built by lineage-svg.ts, which escapes every text it writes; it has no script.
        lineageSvg: lineage.graph.edges.length ? renderLineageSvg(lineage.graph, `Lineage of ${dataset.name}`) : null,
        lineageBuild: lineage.build,
        trainingBlockers,
        latestBias: latestBias ?? null,
        trendSvg: renderRiskTrendSvg(points, {
          title: `Re-identification risk of ${dataset.name} over time`,
          limit: latest?.policy.thresholds.maxRecordsAtRisk,
        }),
        runs: runs.map((run) => ({
          id: run.id,
          shortId: run.id.slice(0, 8),
          created: isoMinute(run.created_at),
          source: run.source === 'csv' ? `CSV ${run.options.filename ?? ''}`.trim() : 'table',
          kind: run.release_kind,
          records: run.result ? run.result.records.toLocaleString('en') : '—',
          k: run.result ? String(run.result.minClassSize) : '—',
          atRisk: run.result ? percent(run.result.prosecutor.recordsAtRisk) : '—',
          verdict: verdictOf(run),
        })),
        retestHref: isTable
          ? `/reid/new?table=${encodeURIComponent(dataset.name)}`
          : `/reid/new?dataset=${encodeURIComponent(dataset.name)}`,
        errors,
        pager: pager(page, PAGE_SIZE, n, (p) => `${base}?page=${p}`),
      },
      status,
    );
  };

  r.get('/datasets/:name', can('read', 'dataset'), async (req, res) => {
    await showPage(res, await load(String(req.params.name)), pageParams(req.query, PAGE_SIZE).page);
  });

  r.post('/datasets/:name/release', can('release', 'dataset'), async (req, res) => {
    const dataset = await load(String(req.params.name));
    const outcome = await service.release(dataset.name, req.principal!);
    if (!outcome.ok)
      return showPage(
        res,
        (await datasetByName(deps.db, dataset.name))!,
        1,
        formError('release', outcome.message),
        422,
      );
    res.flash('success', `${dataset.name} released. The release and its test report's SHA-256 are in the audit log.`);
    res.redirect(303, paths.datasets.show(dataset.name));
  });

  return router;
}

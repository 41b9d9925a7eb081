// /api/v1 for pipelines: start a table test, follow it, fetch its report, read a dataset's status.
// (CSV uploads go through the form; a pipeline with a file can use `lethe reid --file`.)
import { z } from 'zod';
import type { ApiArea } from '../api/routes';
import { can } from '../http/guard';
import { BadRequestError, NotFoundError } from '../errors';
import { apiRunSchema, DATASET_NAME } from './commands';
import { idParam, pathParam, toOpenApi } from '../api/openapi';
import { datasetByName, historyPage, runById, type RunRow } from './queries';
import { sendReport } from './report-http';
import { progressOf } from './view-model';
import { shownClasses } from './generalize';
import { services } from '../services';

const view = (row: RunRow) => ({
  id: row.id,
  dataset: row.dataset,
  source: row.source,
  releaseKind: row.release_kind,
  quasiIdentifiers: row.options.quasi,
  sensitiveAttributes: row.options.sensitive,
  status: row.status,
  progress: progressOf(row),
  passed: row.passed,
  // Risky classes as the pages show them (generalized; `*` for results stored before generalization).
  outcome: row.result ? { ...row.result, riskiestClasses: shownClasses(row.result) } : row.result,
  reportSha256: row.report_sha256,
  error: row.error ? { message: row.error, code: row.error_code } : null,
  bundleHash: row.bundle_hash,
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

const at = z.iso.datetime();
const runSchema = z.object({
  id: z.uuid(),
  dataset: z.string(),
  source: z.string(),
  releaseKind: z.string(),
  quasiIdentifiers: z.array(z.string()),
  sensitiveAttributes: z.array(z.string()),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  progress: z.object({ status: z.string(), percent: z.number(), label: z.string(), done: z.boolean() }),
  passed: z.boolean().nullable(),
  outcome: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('Metrics, every violated threshold and the riskiest classes (generalized)'),
  reportSha256: z.string().nullable(),
  error: z.object({ message: z.string(), code: z.string().nullable() }).nullable(),
  bundleHash: z.string().nullable(),
  createdAt: at,
  startedAt: at.nullable(),
  finishedAt: at.nullable(),
});
const datasetSchema = z.object({
  name: z.string(),
  releaseStatus: z.string(),
  lastRunId: z.uuid().nullable(),
  released: z.object({ at, by: z.string() }).nullable(),
  recentRuns: z.array(
    z.object({
      id: z.uuid(),
      status: z.string(),
      passed: z.boolean().nullable(),
      releaseKind: z.string(),
      createdAt: at,
      finishedAt: at.nullable(),
    }),
  ),
});
const name = pathParam('name', z.string().regex(DATASET_NAME));
const errors = { 400: 'Invalid body', 403: 'Permission missing', 404: 'Not found' } as const;

export const reidApi: ApiArea = {
  router(deps, r) {
    const service = services(deps).reid;
    const load = async (raw: string) => {
      const row = z.uuid().safeParse(raw).success ? await runById(deps.db, raw) : undefined;
      if (!row) throw new NotFoundError('No such re-identification test.');
      return row;
    };

    r.post('/reid/runs', can('create', 'reid_run'), async (req, res) => {
      const resolved = service.resolveApi(req.body);
      if (!resolved.ok) throw new BadRequestError('The request body is not valid.', resolved.errors.fields);
      const row = await service.create(resolved.data, req.principal!);
      res.status(201).location(`/api/v1/reid/runs/${row.id}`).json(view(row));
    });
    r.get('/reid/runs/:id', can('read', 'reid_run'), async (req, res) => {
      res.json(view(await load(String(req.params.id))));
    });
    r.get('/reid/runs/:id/report.pdf', can('read', 'reid_run'), async (req, res) => {
      await sendReport(deps, res, await load(String(req.params.id)), req.principal!.id);
    });
    r.get('/datasets/:name', can('read', 'dataset'), async (req, res) => {
      const raw = String(req.params.name);
      const dataset = DATASET_NAME.test(raw) ? await datasetByName(deps.db, raw) : undefined;
      if (!dataset) throw new NotFoundError(`No dataset ${raw} has been tested.`);
      const runs = await historyPage(deps.db, dataset.name, 20, 0);
      res.json({
        name: dataset.name,
        releaseStatus: dataset.release_status,
        lastRunId: dataset.last_run_id,
        released: dataset.released_at ? { at: dataset.released_at, by: dataset.released_by } : null,
        recentRuns: runs.map((run) => ({
          id: run.id,
          status: run.status,
          passed: run.passed,
          releaseKind: run.release_kind,
          createdAt: run.created_at,
          finishedAt: run.finished_at,
        })),
      });
    });
  },
  paths: toOpenApi({
    '/reid/runs': {
      post: {
        operationId: 'createReidRun',
        summary: 'Queue a re-identification test of a table in the data map',
        body: apiRunSchema,
        response: { status: 201, description: 'The queued run', schema: runSchema },
        errors: { 400: errors[400], 403: errors[403] },
      },
    },
    '/reid/runs/{id}': {
      get: {
        operationId: 'getReidRun',
        summary: 'Status, progress and (when done) the outcome with every violated threshold',
        params: [idParam],
        response: { description: 'The run', schema: runSchema },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
    '/reid/runs/{id}/report.pdf': {
      get: {
        operationId: 'getReidReport',
        summary: 'The PDF report',
        params: [idParam],
        response: { description: 'The report', file: 'application/pdf' },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
    '/datasets/{name}': {
      get: {
        operationId: 'getDataset',
        summary: "A dataset's release status and recent tests",
        params: [name],
        response: { description: 'The dataset', schema: datasetSchema },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
  }),
};

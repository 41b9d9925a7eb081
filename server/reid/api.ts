// /api/v1 for pipelines: start a table test, follow it, fetch its report, read a dataset's status.
// (CSV uploads go through the form; a pipeline with a file can use `lethe reid --file`.)
import { z } from 'zod';
import type { ApiArea } from '../api/routes';
import { can } from '../http/guard';
import { BadRequestError, NotFoundError } from '../errors';
import { DATASET_NAME } from './commands';
import { createReidService } from './service';
import { datasetByName, historyPage, runById, type RunRow } from './queries';
import { sendReport } from './report-http';
import { progressOf } from './view-model';

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
  outcome: row.result,
  reportSha256: row.report_sha256,
  error: row.error ? { message: row.error, code: row.error_code } : null,
  bundleHash: row.bundle_hash,
  createdAt: row.created_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
});

const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const errors = { '400': { description: 'Invalid body' }, '403': { description: 'Permission missing' }, '404': { description: 'Not found' } };

export const reidApi: ApiArea = {
  router(deps, r) {
    const service = createReidService(deps);
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
        recentRuns: runs.map((run) => ({ id: run.id, status: run.status, passed: run.passed, releaseKind: run.release_kind, createdAt: run.created_at, finishedAt: run.finished_at })),
      });
    });
  },
  paths: {
    '/reid/runs': {
      post: {
        summary: 'Queue a re-identification test of a table in the data map',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['table'],
                properties: {
                  table: { type: 'string', description: 'system.table, as in the data map' },
                  quasi: { type: 'array', items: { type: 'string' }, description: "Default: the data map's quasi-identifiers" },
                  sensitive: { type: 'array', items: { type: 'string' } },
                  kind: { type: 'string', description: "Release kind in reid.yaml; default: the data map's, else default" },
                },
              },
            },
          },
        },
        responses: { '201': { description: 'The queued run' }, '400': errors['400'], '403': errors['403'] },
      },
    },
    '/reid/runs/{id}': { get: { summary: 'Status, progress and (when done) the outcome with every violated threshold', parameters: [id], responses: { '200': { description: 'The run' }, ...errors } } },
    '/reid/runs/{id}/report.pdf': { get: { summary: 'The PDF report', parameters: [id], responses: { '200': { description: 'application/pdf', content: { 'application/pdf': {} } }, ...errors } } },
    '/datasets/{name}': { get: { summary: "A dataset's release status and recent tests", parameters: [name], responses: { '200': { description: 'The dataset' }, ...errors } } },
  },
};

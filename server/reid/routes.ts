// Re-identification test runs: the form (upload a CSV or pick a table), the run page with its
// live progress and results, the progress JSON and the PDF report.
import { Router, type Request, type Response } from 'express';
import { paths } from '../http/paths';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { formError, noErrors, type FormErrors } from '../http/forms';
import { actorNames } from '../http/actors';
import { ConflictError, NotFoundError } from '../errors';
import { DATASET_NAME_HINT, DELIMITERS } from './commands';
import { type Upload } from './service';
import { runById, type RunRow } from './queries';
import { sendReport } from './report-http';
import { shownClasses } from './generalize';
import { measureRun, RISKIEST_CLASSES } from './measure-run';
import {
  detectorLabel,
  isoMinute,
  metricRows,
  progressOf,
  RUN_STATUS_LABEL,
  THRESHOLD_NAME,
  thresholdRows,
  verdictOf,
} from './view-model';
import { services } from '../services';

const uuid = z.uuid();
const FORM_FIELDS = ['source', 'dataset', 'delimiter', 'table', 'quasi', 'sensitive', 'kind'] as const;
type FormValues = Record<(typeof FORM_FIELDS)[number], string> & { fileNote?: string };

/** Which form field an engine error belongs to, so "run again" shows it there. */
function errorField(row: RunRow): string {
  switch (row.error_code) {
    case 'unknown_column': {
      const column = /unknown column "([^"]*)"/.exec(row.error ?? '')?.[1];
      return column !== undefined && row.options.sensitive.includes(column) ? 'sensitive' : 'quasi';
    }
    case 'bad_csv':
    case 'empty':
    case 'too_large':
    case 'unreadable_file':
      return row.source === 'csv' ? 'file' : 'table';
    case 'unknown_table':
      return 'table';
    case 'bad_option':
      return /delimiter/.test(row.error ?? '') ? 'delimiter' : 'quasi';
    default:
      return 'source';
  }
}

function valuesOfRun(row: RunRow): FormValues {
  const o = row.options;
  const delimiter = DELIMITERS.find((d) => d.char === o.delimiter)?.value ?? 'auto';
  return {
    source: row.source === 'csv' ? 'csv' : 'table',
    dataset: row.source === 'csv' ? row.dataset : '',
    delimiter,
    table: row.source === 'postgres' ? row.dataset : '',
    quasi: o.quasi.join(', '),
    sensitive: o.sensitive.join(', '),
    kind: row.release_kind,
  };
}

export function reidRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const service = services(deps).reid;
  const load = async (id: string) => {
    const row = uuid.safeParse(id).success ? await runById(deps.db, id) : undefined;
    if (!row) throw new NotFoundError('No such re-identification test.');
    return row;
  };

  const formPage = (res: Response, values: FormValues, errors: FormErrors = noErrors, status = 200) =>
    res.page(
      'reid/new',
      {
        title: errors.summary.length ? 'Error: test a dataset' : 'Test a dataset',
        values,
        errors,
        kinds: service.kinds(),
        tables: service.tables().map((t) => ({
          value: t.ref,
          label: `${t.ref}${t.dataset.releaseKind ? ` (${t.dataset.releaseKind})` : ''}`,
        })),
        delimiters: DELIMITERS.map((d) => ({ value: d.value, label: d.label })),
        datasetHint: DATASET_NAME_HINT,
        uploadLimit: `${Number((deps.config.uploadLimitBytes / 1024 / 1024).toPrecision(3))} MB`,
      },
      status,
    );

  r.get('/reid/new', can('create', 'reid_run'), async (req, res) => {
    const q = (k: string) => (typeof req.query[k] === 'string' ? (req.query[k] as string) : '');
    const from = q('from');
    if (from) {
      const row = await load(from);
      const values = valuesOfRun(row);
      const errors = row.status === 'failed' && row.error ? formError(errorField(row), row.error) : noErrors;
      return formPage(
        res,
        row.source === 'csv'
          ? { ...values, fileNote: 'Choose the file again: uploaded files are deleted once their test ends.' }
          : values,
        errors,
      );
    }
    const table = q('table');
    const defaults = table ? service.defaultsFor(table) : null;
    await formPage(res, {
      source: defaults ? 'table' : 'csv',
      dataset: q('dataset'),
      delimiter: 'auto',
      table: defaults ? table : '',
      quasi: defaults?.quasi.join(', ') ?? '',
      sensitive: defaults?.sensitive.join(', ') ?? '',
      kind: defaults?.releaseKind ?? '',
    });
  });

  r.post('/reid', can('create', 'reid_run'), async (req, res) => {
    const values = Object.fromEntries(
      FORM_FIELDS.map((k) => [k, typeof req.body?.[k] === 'string' ? req.body[k] : '']),
    ) as FormValues;
    const file = uploadedFile(req);
    const resolved = service.resolve(req.body, file, req.uploadRejected);
    if (!resolved.ok) {
      // Browsers never refill a file input: say so rather than let the user wonder.
      if (file && values.source === 'csv' && !resolved.errors.fields.file)
        values.fileNote = `Choose ${file.originalname} again: a form shown again cannot keep a chosen file.`;
      return formPage(res, values, resolved.errors, 422);
    }
    const row = await service.create(resolved.data, req.principal!);
    res.flash('success', `Test of ${row.dataset} queued.`);
    res.redirect(303, paths.reid.run(row.id));
  });

  r.get('/reid/runs/:id', can('read', 'reid_run'), async (req, res) => {
    const row = await load(String(req.params.id));
    const names = await actorNames(deps.db, [row.requested_by]);
    const o = row.result;
    await res.page('reid/run', {
      title: `Test of ${row.dataset}`,
      run: row,
      status: RUN_STATUS_LABEL[row.status],
      verdict: verdictOf(row),
      progress: progressOf(row),
      requestedBy: names[row.requested_by],
      created: isoMinute(row.created_at),
      finished: isoMinute(row.finished_at),
      outcome: o,
      classes: o ? shownClasses(o) : [],
      metrics: o ? metricRows(o) : [],
      thresholds: o ? thresholdRows(o) : [],
      thresholdName: THRESHOLD_NAME,
      detectorLabel,
      errorField: row.status === 'failed' ? errorField(row) : null,
    });
  });

  // Raw values of the riskiest classes, for the few the access policy allows (default: no role). The
  // run is measured again and the values are shown once, never stored; every view is audited.
  r.get('/reid/runs/:id/classes/raw', can('reveal', 'reid_run'), async (req, res) => {
    const row = await load(String(req.params.id));
    if (row.status !== 'done') throw new NotFoundError('The test has no result to reveal.');
    if (row.source === 'csv')
      throw new ConflictError(
        'An uploaded file is deleted when its test completes: raw values can only be shown for table tests.',
      );
    await deps.audit.append({
      actor: req.principal!.id,
      action: 'reid_run.reveal',
      target: `reid_run:${row.id}`,
      details: { dataset: row.dataset, classes: RISKIEST_CLASSES },
    });
    const run = await measureRun(deps, deps.policies.current(), row, () => {}, true);
    res.setHeader('Cache-Control', 'no-store');
    await res.page('reid/raw-classes', {
      title: `Raw values: test of ${row.dataset}`,
      run: row,
      quasi: run.outcome.quasiIdentifiers,
      classes: run.outcome.riskiestClasses,
    });
  });

  r.get('/reid/runs/:id/progress', can('read', 'reid_run'), async (req, res) => {
    res.json(progressOf(await load(String(req.params.id))));
  });

  r.get('/reid/runs/:id/report.pdf', can('read', 'reid_run'), async (req, res) => {
    await sendReport(deps, res, await load(String(req.params.id)), req.principal!.id);
  });

  return router;
}

function uploadedFile(req: Request): Upload | undefined {
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  const f = files.find((x) => x.fieldname === 'file' && x.originalname);
  return f ? { originalname: f.originalname, buffer: f.buffer, size: f.size } : undefined;
}

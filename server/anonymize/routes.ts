// Anonymization pages: the form (a table of the data map, a hierarchy rule per quasi-identifier),
// the run page with its live progress and the before/after comparison, the progress JSON, and the
// anonymized CSV (audited download).
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { noErrors, type FormErrors } from '../http/forms';
import { actorNames } from '../http/actors';
import { NotFoundError } from '../errors';
import { METRICS } from './engine';
import { defaultsFor, FORM_FIELDS, resolveForm, type AnonymizeFormValues } from './commands';
import {
  anonymizationById,
  anonymizationProgressOf,
  createAnonymization,
  outputOf,
  recentAnonymizations,
} from './runs';
import { paths } from '../http/paths';

const uuid = z.uuid();
const METRIC_LABEL: Record<string, string> = {
  loss: 'Loss (ARX)',
  entropy: 'Non-uniform entropy',
  discernibility: 'Discernibility',
  aecs: 'Average class size',
};
const STATUS_LABEL: Record<string, string> = {
  queued: 'queued',
  running: 'running',
  done: 'done',
  failed: 'could not be completed',
};

export function anonymizeRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const bundle = () => deps.policies.current();
  const kinds = () => {
    const named = bundle().reid.thresholds.map((t) => t.kind);
    return named.includes('default') ? named : ['default', ...named];
  };
  const tables = () =>
    bundle().datamap.systems.flatMap((s) =>
      s.datasets.filter((d) => d.kind === 'table').map((d) => `${s.name}.${d.name}`),
    );
  const load = async (id: string) => {
    const row = uuid.safeParse(id).success ? await anonymizationById(deps.db, id) : undefined;
    if (!row) throw new NotFoundError('No such anonymization.');
    return row;
  };

  const formPage = async (res: Response, values: AnonymizeFormValues, errors: FormErrors = noErrors, status = 200) =>
    res.page(
      'anonymize/new',
      {
        title: errors.summary.length ? 'Error: anonymize a table' : 'Anonymize a table',
        values,
        errors,
        kinds: kinds(),
        tables: tables().map((t) => ({ value: t, label: t })),
        metrics: METRICS.map((m) => ({ value: m, label: METRIC_LABEL[m] })),
        recent: await recentAnonymizations(deps.db, 10),
        statusLabel: STATUS_LABEL,
      },
      status,
    );

  r.get('/anonymize', can('read', 'anonymization'), async (req, res) => {
    const table = typeof req.query.table === 'string' ? req.query.table : '';
    const values = (table && defaultsFor(bundle(), table)) || {
      table: '',
      rules: '',
      sensitive: '',
      kind: '',
      maxSuppression: '0',
      metric: 'loss',
    };
    await formPage(res, values);
  });

  r.post('/anonymize', can('create', 'anonymization'), async (req, res) => {
    const values = Object.fromEntries(
      FORM_FIELDS.map((k) => [k, typeof req.body?.[k] === 'string' ? req.body[k] : '']),
    ) as AnonymizeFormValues;
    const resolved = resolveForm(bundle(), kinds(), req.body);
    if (!resolved.ok) return formPage(res, values, resolved.errors, 422);
    const row = await createAnonymization(deps, resolved.data, req.principal!.id);
    // If this enqueue is lost, the reconciler sends it again (the row says the run is queued).
    await deps.jobs
      .enqueue('anonymize', row.id, { runId: row.id })
      .catch((e) =>
        deps.logger.warn(
          { event: 'anonymization.enqueue.failed', runId: row.id, error: (e as Error).message },
          'enqueue failed; the reconciler will retry',
        ),
      );
    res.flash('success', `Anonymization of ${row.dataset} queued.`);
    res.redirect(303, paths.anonymize.run(row.id));
  });

  r.get('/anonymize/runs/:id', can('read', 'anonymization'), async (req, res) => {
    const row = await load(String(req.params.id));
    const names = await actorNames(deps.db, [row.requested_by]);
    const progress = anonymizationProgressOf(row);
    await res.page('anonymize/run', {
      title: `Anonymization of ${row.dataset}`,
      run: row,
      result: row.result,
      status: STATUS_LABEL[row.status],
      progress,
      requestedBy: names[row.requested_by] ?? row.requested_by,
      metricLabel: METRIC_LABEL,
      // Without JavaScript the page refreshes itself while the run is not finished.
      refreshSeconds: progress.done ? 0 : 5,
    });
  });

  r.get('/anonymize/runs/:id/progress', can('read', 'anonymization'), async (req, res) => {
    res.json(anonymizationProgressOf(await load(String(req.params.id))));
  });

  r.get('/anonymize/runs/:id/output.csv', can('download', 'anonymization'), async (req, res) => {
    const row = await load(String(req.params.id));
    const sealed = await outputOf(deps.db, row.id);
    if (!sealed) throw new NotFoundError('This anonymization has no output to download.');
    const csv = deps.crypto.decryptBytes(sealed);
    await deps.audit.append({
      actor: req.principal!.id,
      action: 'anonymization.download',
      target: `anonymization_run:${row.id}`,
      details: { dataset: row.dataset, sha256: row.output_sha256, bytes: csv.length },
    });
    res.setHeader('Cache-Control', 'no-store');
    res.attachment(`${row.dataset.replace(/[^A-Za-z0-9._-]+/g, '_')}.anonymized.csv`);
    res.type('text/csv').send(csv);
  });

  return router;
}

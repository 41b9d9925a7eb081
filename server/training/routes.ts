// Training data pages: the snapshot recipes with their versions (build, check), a version's
// lineage, and bias checks. Builds run in the request: a snapshot is rebuilt in one transaction.
import { Router } from 'express';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { NotFoundError } from '../errors';
import { parseReference } from './bias-service';
import { formError, noErrors, type FormErrors } from '../http/forms';
import type { Response } from 'express';
import { services } from '../services';
import { paths } from '../http/paths';

const DATASET = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

export function trainingRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const snapshots = services(deps).snapshots;
  const dataset = (raw: unknown) => {
    const name = String(raw);
    if (!DATASET.test(name)) throw new NotFoundError(`No dataset ${name}.`);
    return name;
  };

  const bias = services(deps).bias;

  const index = async (
    res: Response,
    errors: FormErrors = noErrors,
    values: Record<string, string> = {},
    status = 200,
  ) => {
    const recipes = deps.policies.current().training.snapshots;
    const versions = await deps.db('dataset_versions').orderBy('created_at', 'desc').limit(50).select();
    const checks = await deps
      .db('bias_checks')
      .orderBy('created_at', 'desc')
      .limit(50)
      .select('id', 'dataset', 'passed', 'reference', 'use_case', 'created_at');
    await res.page(
      'training/index',
      {
        title: errors.summary.length ? 'Error: training data' : 'Training data',
        errors,
        values,
        biasDatasets: deps.policies
          .current()
          .training.bias.datasets.map((d) => ({ ...d, latest: checks.find((c) => c.dataset === d.dataset) ?? null })),
        checks: checks.map((c) => ({ ...c, created: c.created_at.toISOString().slice(0, 16).replace('T', ' ') })),
        recipes: recipes.map((rec) => ({
          ...rec,
          href: paths.datasets.show(rec.dataset),
          latest: versions.find((v) => v.dataset === rec.dataset) ?? null,
        })),
        versions: versions.map((v) => ({
          ...v,
          created: v.created_at.toISOString().slice(0, 16).replace('T', ' '),
          href: paths.datasets.lineage(v.dataset),
        })),
      },
      status,
    );
  };

  r.get('/training', can('read', 'training'), (_req, res) => index(res));

  r.post('/training/bias', can('check', 'training'), async (req, res) => {
    const values = { dataset: String(req.body?.dataset ?? ''), reference: String(req.body?.reference ?? '') };
    let uploaded;
    if (values.reference.trim()) {
      const parsed = parseReference(values.reference);
      if (!parsed.ok) return index(res, formError('reference', parsed.message), values, 422);
      uploaded = parsed.reference;
    }
    if (!DATASET.test(values.dataset)) return index(res, formError('dataset', 'Choose a dataset.'), values, 422);
    const out = await bias.run(values.dataset, req.principal!.id, uploaded);
    if (!out.ok) return index(res, formError(out.field, out.message), values, 422);
    res.flash(
      out.passed ? 'success' : 'error',
      out.passed
        ? `Bias check of ${values.dataset} passed.`
        : `Bias check of ${values.dataset} failed: its release is blocked.`,
    );
    res.redirect(303, paths.training.bias(out.id));
  });

  r.get('/training/bias/:id', can('read', 'training'), async (req, res) => {
    const id = String(req.params.id);
    const row = /^[0-9a-f-]{36}$/.test(id) ? await deps.db('bias_checks').where({ id }).first() : undefined;
    if (!row) throw new NotFoundError('No such bias check.');
    await res.page('training/bias', {
      title: `Bias check of ${row.dataset}`,
      check: { ...row, created: row.created_at.toISOString().slice(0, 16).replace('T', ' ') },
      result: row.result,
      pct: (x: number) => `${(100 * x).toFixed(1)} %`,
      datasetHref: paths.datasets.show(row.dataset),
    });
  });

  r.post('/training/snapshots/:name/build', can('build', 'training'), async (req, res) => {
    const out = await snapshots.build(dataset(req.params.name), req.principal!.id);
    if (!out.ok) throw new NotFoundError(out.message);
    res.flash(
      out.status === 'built' ? 'success' : 'error',
      out.status === 'built'
        ? `Version ${out.version} built: ${out.rowsOut} row(s) kept, ${out.rowsExcluded} row(s) of subjects without a basis left out.`
        : `Version ${out.version} refused: ${out.rowsExcluded} row(s) of subjects without a basis; the previous snapshot stands.`,
    );
    res.redirect(303, paths.training.index());
  });

  r.post('/training/snapshots/:name/check', can('check', 'training'), async (req, res) => {
    const out = await snapshots.check(dataset(req.params.name), req.principal!.id);
    if (!out.ok) throw new NotFoundError(out.message);
    res.flash(
      out.rowsExcluded ? 'error' : 'success',
      out.rowsExcluded
        ? `${out.rowsExcluded} row(s) in the snapshot belong to subjects without a basis: rebuild it.`
        : 'Every row of the snapshot has a basis.',
    );
    res.redirect(303, paths.training.index());
  });

  return router;
}

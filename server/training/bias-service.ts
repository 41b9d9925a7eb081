// Runs the bias and representation check of a dataset declared in training.yaml: group counts of
// each attribute against a reference (uploaded, or the same column in the reference source table),
// label rates per group, the verdict stored with the bundle hash; the latest failed check blocks
// the dataset's release (see releaseGate).
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import { createConnections } from '../systems/connections';
import { findDataset } from '../datamap/lookup';
import { labelRates, representation, type LabelRates, type Representation } from './bias';

export type Reference = Map<string, Map<string, number>>; // attribute -> group -> share or count

export interface BiasResult {
  dataset: string;
  reference: string;
  useCase: string | null;
  /** Use cases in the registry that name this dataset (their datasets list), not retired. */
  useCases: { id: string; title: string }[];
  representation: Representation[];
  labels: LabelRates[];
  problems: string[];
}

export type BiasOutcome =
  { ok: true; id: string; passed: boolean; result: BiasResult } | { ok: false; field: string; message: string };

const MISSING = '(missing)';

async function groupCounts(db: Knex, table: string, column: string): Promise<Map<string, number>> {
  const { rows } = await db.raw<{ rows: { g: string | null; n: string }[] }>(
    'SELECT ??::text AS g, count(*) AS n FROM ?? GROUP BY 1',
    [column, table],
  );
  return new Map(rows.map((r) => [r.g ?? MISSING, Number(r.n)]));
}

/** Parses "attribute,group,share" lines (a header line is optional). */
export function parseReference(text: string): { ok: true; reference: Reference } | { ok: false; message: string } {
  const reference: Reference = new Map();
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  for (const [i, line] of lines.entries()) {
    const [attribute, group, share, ...rest] = line.split(',').map((s) => s.trim());
    if (i === 0 && attribute === 'attribute') continue;
    const value = Number(share);
    if (!attribute || group === undefined || rest.length || !Number.isFinite(value) || value < 0)
      return { ok: false, message: `Line ${i + 1}: write attribute,group,share (a share or a count, not negative).` };
    if (!reference.has(attribute)) reference.set(attribute, new Map());
    reference.get(attribute)!.set(group, value);
  }
  return reference.size ? { ok: true, reference } : { ok: false, message: 'The reference is empty.' };
}

export function createBiasService(deps: Deps) {
  const configFor = (dataset: string) =>
    deps.policies.current().training.bias.datasets.find((d) => d.dataset === dataset) ?? null;

  async function run(dataset: string, actor: string, uploaded?: Reference): Promise<BiasOutcome> {
    const bundle = deps.policies.current();
    const cfg = configFor(dataset);
    if (!cfg)
      return {
        ok: false,
        field: 'dataset',
        message: `${dataset} has no bias check in training.yaml: declare its attributes under bias.datasets.`,
      };
    const target = findDataset(bundle.datamap, dataset)!;
    if (!uploaded && !cfg.referenceSource)
      return {
        ok: false,
        field: 'reference',
        message: `Upload a reference distribution: ${dataset} names no reference_source.`,
      };
    const missing = uploaded ? cfg.attributes.filter((a) => !uploaded.has(a)) : [];
    if (missing.length)
      return { ok: false, field: 'reference', message: `The reference has no distribution for ${missing.join(', ')}.` };
    const connections = createConnections(bundle.datamap, (system) => deps.config.systemUrl(system.connectionEnv));
    try {
      const db = connections.get(target.system.name);
      const representations: Representation[] = [];
      const labels: LabelRates[] = [];
      for (const attribute of cfg.attributes) {
        const counts = await groupCounts(db, target.dataset.name, attribute);
        let reference = uploaded?.get(attribute);
        if (!reference) {
          const src = findDataset(bundle.datamap, cfg.referenceSource!)!;
          reference = await groupCounts(connections.get(src.system.name), src.dataset.name, attribute);
        }
        representations.push(representation(attribute, counts, reference, bundle.training.bias));
        if (cfg.label) {
          const { rows } = await db.raw<{ rows: { g: string | null; n: string; p: string }[] }>(
            'SELECT ??::text AS g, count(*) AS n, count(*) FILTER (WHERE ??::text = ?) AS p FROM ?? GROUP BY 1',
            [attribute, cfg.label.column, String(cfg.label.positive), target.dataset.name],
          );
          labels.push(
            labelRates(
              attribute,
              rows.map((r) => ({ group: r.g ?? MISSING, n: Number(r.n), positives: Number(r.p) })),
              bundle.training.bias,
            ),
          );
        }
      }
      const useCases = await deps
        .db('use_cases')
        .whereRaw('jsonb_exists(datasets, ?)', [dataset])
        .whereNot('status', 'retired')
        .orderBy('title')
        .select('id', 'title');
      const result: BiasResult = {
        dataset,
        reference: uploaded ? 'uploaded' : `source:${cfg.referenceSource}`,
        useCase: cfg.useCase ?? null,
        useCases,
        representation: representations,
        labels,
        problems: [...representations.flatMap((r) => r.problems), ...labels.flatMap((l) => l.problems)],
      };
      const passed = result.problems.length === 0;
      const id = crypto.randomUUID();
      await deps.db.transaction(async (trx) => {
        await trx('bias_checks').insert({
          id,
          dataset,
          passed,
          result: JSON.stringify(result),
          reference: result.reference,
          use_case: result.useCase,
          bundle_hash: bundle.hash,
          checked_by: actor,
        });
        await trx('datasets').insert({ name: dataset }).onConflict('name').ignore();
        await deps.audit.append(
          {
            actor,
            action: 'training.bias.check',
            target: `dataset:${dataset}`,
            details: {
              checkId: id,
              passed,
              problems: result.problems.length,
              reference: result.reference,
              useCase: result.useCase,
              bundleHash: bundle.hash,
            },
          },
          trx,
        );
      });
      return { ok: true, id, passed, result };
    } finally {
      await connections.destroy();
    }
  }

  return { configFor, run };
}

/**
 * Why a dataset may not be released yet, from the training side: its latest bias check failed, or
 * (for a snapshot with a recipe) its latest consent check found rows without a basis, or the
 * do-not-train list grew since it was last built or checked. Empty when nothing stands in the way.
 */
export async function releaseGate(deps: Pick<Deps, 'db' | 'policies'>, dataset: string): Promise<string[]> {
  const reasons: string[] = [];
  const bias = await deps
    .db('bias_checks')
    .where({ dataset })
    .orderBy('created_at', 'desc')
    .first('passed', 'result', 'use_case');
  if (bias && !bias.passed) {
    const names = [
      ...((bias.result.useCases ?? []) as { title: string }[]).map((u) => u.title),
      ...(bias.use_case ? [bias.use_case] : []),
    ];
    const useCase = names.length ? ` (consumed by use case ${names.join(', ')})` : '';
    reasons.push(
      `the latest bias check of ${dataset}${useCase} failed: ${(bias.result.problems as string[]).join('; ')}`,
    );
  }
  if (deps.policies.current().training.snapshots.some((s) => s.dataset === dataset)) {
    const latest = await deps
      .db('dataset_versions')
      .where({ dataset })
      .whereIn('status', ['built', 'checked'])
      .orderBy('created_at', 'desc')
      .first('status', 'rows_excluded', 'created_at');
    if (!latest) reasons.push(`${dataset} has never been built or checked through the consent filter`);
    else {
      if (latest.status === 'checked' && latest.rows_excluded > 0)
        reasons.push(
          `${latest.rows_excluded} row(s) of ${dataset} belong to subjects without a basis for training; rebuild it`,
        );
      const newer = await deps.db('do_not_train').where('since', '>', latest.created_at).first('subject_index');
      if (newer)
        reasons.push(`the do-not-train list changed since ${dataset} was last built or checked; check or rebuild it`);
    }
  }
  return reasons;
}

/** The dataset's latest bias check (its id and whether it passed), if any. */
export const latestBiasCheck = (db: Knex, dataset: string) =>
  db('bias_checks').where({ dataset }).orderBy('created_at', 'desc').first('id', 'passed');

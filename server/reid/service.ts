// Re-identification runs as the web app and the API start them, and datasets' releases. A run is
// validated against the active bundle (release kinds, the data map's tables and columns), stored
// with its upload in one transaction, then queued; the row is the truth, the job its messenger.
import { releaseGate } from '../training';
import type { Deps } from '../deps';
import type { Principal } from '../auth';
import type { DataSystem, DatasetDef } from '../policies/types';
import type { FormErrors, Parsed } from '../http/forms';
import { toFormErrors } from '../http/forms';
import {
  apiRunSchema,
  DATASET_NAME,
  DATASET_NAME_HINT,
  DELIMITERS,
  newRunFormSchema,
  type NewRunForm,
} from './commands';
import { columnsFromDataMap } from './datamap-columns';
import { storeUpload } from './uploads';
import { datasetByName, hasActiveRun, runById, type RunOptions, type RunRow } from './queries';
import { measureRun } from './measure-run';
import type { Violation } from './types';

export interface Upload {
  originalname: string;
  buffer: Buffer;
  size: number;
}

export interface RunInput {
  dataset: string;
  source: 'csv' | 'postgres';
  releaseKind: string;
  options: RunOptions;
  upload?: Buffer;
}

export type ReleaseOutcome = { ok: true } | { ok: false; message: string };

const FIELD_ORDER = ['source', 'file', 'dataset', 'delimiter', 'table', 'quasi', 'sensitive', 'kind'];

/** "Customers 2026.csv" → "Customers_2026". */
export const datasetNameFromFile = (filename: string) =>
  filename
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);

export function createReidService(deps: Deps) {
  const bundle = () => deps.policies.current();

  /** Release kinds with thresholds; "default" always applies (built-in when the bundle has none). */
  function kinds(): string[] {
    const named = bundle().reid.thresholds.map((t) => t.kind);
    return named.includes('default') ? named : ['default', ...named];
  }

  function tables(): { ref: string; system: DataSystem; dataset: DatasetDef }[] {
    return bundle().datamap.systems.flatMap((system) =>
      system.datasets.map((dataset) => ({ ref: `${system.name}.${dataset.name}`, system, dataset })),
    );
  }

  const findTable = (ref: string) => tables().find((t) => t.ref === ref) ?? null;

  /** The data map's quasi-identifiers and sensitive attributes for a table, and its release kind. */
  function defaultsFor(ref: string) {
    const t = findTable(ref);
    return t ? { ...columnsFromDataMap(t.dataset), releaseKind: t.dataset.releaseKind ?? null } : null;
  }

  function resolve(body: unknown, file: Upload | undefined, uploadRejected?: string): Parsed<RunInput> {
    const fields: Record<string, string> = {};
    const parsed = newRunFormSchema.safeParse(body ?? {});
    if (!parsed.success) Object.assign(fields, toFormErrors(parsed.error).fields);
    const source = (body as Record<string, unknown> | undefined)?.source;
    if (source === 'csv') {
      if (uploadRejected) fields.file = uploadRejected;
      else if (!file) fields.file = 'Choose the CSV file to upload';
      else if (file.size === 0) fields.file = 'The file is empty: choose a CSV file with a header row and records';
    }
    let input: RunInput | null = null;
    if (parsed.success) {
      const form = parsed.data;
      if (form.kind && !kinds().includes(form.kind))
        fields.kind = `Choose a release kind from the policy: ${kinds().join(', ')}`;
      input = form.source === 'csv' ? csvInput(form, file, fields) : tableInput(form, fields);
    }
    if (Object.keys(fields).length > 0 || !input) return { ok: false, errors: ordered(fields) };
    return { ok: true, data: input };
  }

  /** The API's body (table runs only), checked like the form. */
  function resolveApi(body: unknown): Parsed<RunInput> {
    const parsed = apiRunSchema.safeParse(body ?? {});
    if (!parsed.success) return { ok: false, errors: toFormErrors(parsed.error) };
    const fields: Record<string, string> = {};
    const { kind, ...rest } = parsed.data;
    if (kind && !kinds().includes(kind)) fields.kind = `Choose a release kind from the policy: ${kinds().join(', ')}`;
    const input = tableInput({ ...rest, kind, source: 'table', dataset: '', delimiter: 'auto' }, fields);
    return Object.keys(fields).length || !input ? { ok: false, errors: ordered(fields) } : { ok: true, data: input };
  }

  function csvInput(form: NewRunForm, file: Upload | undefined, fields: Record<string, string>): RunInput | null {
    if (!file || fields.file) return null;
    const dataset = form.dataset || datasetNameFromFile(file.originalname);
    if (!DATASET_NAME.test(dataset)) {
      fields.dataset ??= `Name the dataset with ${DATASET_NAME_HINT}`;
      return null;
    }
    return {
      dataset,
      source: 'csv',
      releaseKind: form.kind || findTable(dataset)?.dataset.releaseKind || 'default',
      options: {
        quasi: form.quasi,
        sensitive: form.sensitive,
        delimiter: DELIMITERS.find((d) => d.value === form.delimiter)?.char,
        filename: file.originalname.slice(0, 200),
        bytes: file.size,
      },
      upload: file.buffer,
    };
  }

  function tableInput(form: NewRunForm, fields: Record<string, string>): RunInput | null {
    const t = findTable(form.table);
    if (!t) {
      fields.table = `Choose a table from the data map; there is no ${form.table}`;
      return null;
    }
    const defaults = columnsFromDataMap(t.dataset);
    const quasi = form.quasi.length ? form.quasi : defaults.quasi;
    const sensitive = form.quasi.length || form.sensitive.length ? form.sensitive : defaults.sensitive;
    if (quasi.length === 0) fields.quasi = `The data map marks no quasi-identifier in ${t.ref}: name them`;
    const known = t.dataset.columns.map((c) => c.name);
    for (const [field, list] of [
      ['quasi', quasi],
      ['sensitive', sensitive],
    ] as const) {
      const unknown = list.find((c) => !known.includes(c));
      if (unknown) fields[field] ??= `Unknown column "${unknown}": ${t.ref} has ${known.join(', ')}`;
    }
    return {
      dataset: t.ref,
      source: 'postgres',
      releaseKind: form.kind || t.dataset.releaseKind || 'default',
      options: { quasi, sensitive, system: t.system.name, table: t.dataset.name },
    };
  }

  async function create(input: RunInput, principal: Principal): Promise<RunRow> {
    const row = await deps.db.transaction(async (trx) => {
      const [run] = await trx('reid_runs')
        .insert({
          dataset: input.dataset,
          source: input.source,
          release_kind: input.releaseKind,
          options: input.options,
          requested_by: principal.id,
          bundle_hash: deps.policies.hash(),
        })
        .returning('*');
      await trx('datasets').insert({ name: input.dataset }).onConflict('name').ignore();
      if (input.upload) await storeUpload(trx, run.id, input.upload);
      await deps.audit.append(
        {
          actor: principal.id,
          action: 'reid.create',
          target: `reid_run:${run.id}`,
          details: {
            dataset: input.dataset,
            source: input.source,
            releaseKind: input.releaseKind,
            quasi: input.options.quasi,
            sensitive: input.options.sensitive,
            bytes: input.options.bytes ?? null,
          },
        },
        trx,
      );
      return run as RunRow;
    });
    // If this enqueue is lost, the reconciler sends it again (the row says the run is queued).
    await deps.jobs
      .enqueue('reid', row.id, { runId: row.id })
      .catch((e) =>
        deps.logger.warn(
          { event: 'reid.enqueue.failed', runId: row.id, error: (e as Error).message },
          'enqueue failed; the reconciler will retry',
        ),
      );
    return row;
  }

  /** Releases a dataset whose latest completed test passed; refuses with the reason otherwise. */
  async function release(name: string, principal: Principal): Promise<ReleaseOutcome> {
    const dataset = await datasetByName(deps.db, name);
    if (!dataset) return { ok: false, message: `No dataset ${name} has been tested.` };
    if (dataset.release_status === 'released')
      return {
        ok: false,
        message: `${name} is already released (${dataset.released_at?.toISOString().slice(0, 10)}).`,
      };
    if (dataset.release_status !== 'releasable' || !dataset.last_run_id) {
      const last = dataset.last_run_id
        ? await deps.db('reid_runs').where({ id: dataset.last_run_id }).first('result')
        : null;
      const failures = (last?.result?.violations ?? []) as { message: string }[];
      return {
        ok: false,
        message:
          dataset.release_status === 'blocked'
            ? `Release refused: the latest re-identification test of ${name} failed (${failures.map((v) => v.message).join('; ')}). Generalise the data and test it again.`
            : `Release refused: ${name} has no completed re-identification test yet.`,
      };
    }
    if (await hasActiveRun(deps.db, name))
      return { ok: false, message: `Release refused: a newer test of ${name} is still running; wait for its result.` };
    // Training data also needs a passing bias check and a current consent filter (issue 17).
    const blockers = await releaseGate(deps, name);
    if (blockers.length) return { ok: false, message: `Release refused: ${blockers.join('; ')}.` };
    return deps.db.transaction(async (trx) => {
      const [moved] = await trx('datasets')
        .where({ name, release_status: 'releasable', last_run_id: dataset.last_run_id })
        .update({
          release_status: 'released',
          released_by: principal.id,
          released_at: new Date(),
          updated_at: trx.fn.now(),
        })
        .returning('name');
      if (!moved)
        return {
          ok: false as const,
          message: `Release refused: the status of ${name} changed meanwhile; reload the page.`,
        };
      const run = await trx('reid_runs').where({ id: dataset.last_run_id }).first('report_sha256', 'bundle_hash');
      await deps.audit.append(
        {
          actor: principal.id,
          action: 'dataset.release',
          target: `dataset:${name}`,
          details: { runId: dataset.last_run_id, reportSha256: run?.report_sha256, bundleHash: run?.bundle_hash },
        },
        trx,
      );
      return { ok: true as const };
    });
  }

  return { kinds, tables, defaultsFor, resolve, resolveApi, create, release };
}

function ordered(fields: Record<string, string>): FormErrors {
  const keys = Object.keys(fields).sort((a, b) => rank(a) - rank(b));
  return {
    summary: keys.map((field) => ({ field, message: fields[field] })),
    fields: Object.fromEntries(keys.map((k) => [k, fields[k]])),
  };
}

const rank = (field: string) => FIELD_ORDER.indexOf(field) + 1 || FIELD_ORDER.length + 1;

/** A released dataset's last test, measured again. */
export type Retest =
  | {
      dataset: string;
      lastRunId: string;
      status: 'passed' | 'failed';
      records: number;
      violations: Pick<Violation, 'threshold' | 'subject' | 'message'>[];
    }
  | { dataset: string; lastRunId: string | null; status: 'untestable'; reason: string };

/**
 * Every released dataset's last re-identification test run again now: the same table, columns and
 * release kind, judged by the active bundle's thresholds. Nothing is stored: a new run would move
 * the dataset's release status (lifecycle.ts), and the release stands until someone decides.
 * A test on an uploaded file cannot be repeated (the file is deleted after its test).
 */
export async function retestReleased(deps: Deps): Promise<Retest[]> {
  const released: { name: string; last_run_id: string | null }[] = await deps
    .db('datasets')
    .where({ release_status: 'released' })
    .orderBy('name')
    .select('name', 'last_run_id');
  const out: Retest[] = [];
  for (const d of released) {
    const run = d.last_run_id ? await runById(deps.db, d.last_run_id) : undefined;
    if (!run) {
      out.push({ dataset: d.name, lastRunId: d.last_run_id, status: 'untestable', reason: 'it has no recorded test' });
      continue;
    }
    if (run.source === 'csv') {
      out.push({
        dataset: d.name,
        lastRunId: run.id,
        status: 'untestable',
        reason: 'it was tested from an uploaded file, which is deleted after its test',
      });
      continue;
    }
    try {
      const measured = await measureRun(deps, deps.policies.current(), run, () => {});
      const o = measured.outcome;
      out.push({
        dataset: d.name,
        lastRunId: run.id,
        status: o.passed ? 'passed' : 'failed',
        records: o.records,
        violations: o.violations.map((v) => ({ threshold: v.threshold, subject: v.subject, message: v.message })),
      });
    } catch (err) {
      out.push({
        dataset: d.name,
        lastRunId: run.id,
        status: 'untestable',
        reason: (err as Error).message.split('\n')[0].slice(0, 300),
      });
    }
  }
  return out;
}

// Anonymizes a table of a registered data system, as the re-identification job reads one: through
// the data map's connection to the system (server/systems/connections, what server/reid/measure-run
// uses). The data map's columns are streamed with COPY (SELECT …) TO STDOUT (FORMAT csv, HEADER) into a private
// temporary file (NULL becomes '', as in reid's table source), anonymized there by the same
// service as the CLI, and both files are removed whatever happens.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { DataMap, DataSystem, DatasetDef, PolicyBundle } from '../policies/types';
import { createConnections, systemEngine, type ResolveUrl } from '../systems/connections';
import { copyCsvOut } from '../reid/pg-copy';
import { applyPolicy, selectThresholds } from '../reid/thresholds';
import { AnonymizeInputError } from './errors';
import { parseRule } from '../reid/hierarchy';
import { datasetPseudonymKey } from './pseudonym-keys';
import type { AnonymizationOptions, AnonymizationResultJson } from './runs';
import { anonymizeCsv, modelsFromThresholds, type AnonymizeProgress, type HierarchySpec } from './service';
import type { PseudonymMethod } from './pseudonymize';

/** The data map's pseudonym declarations for a table (policies/datamap/*.yaml `pseudonymize:`). */
export function declaredPseudonyms(dataset: DatasetDef): Record<string, PseudonymMethod> {
  return Object.fromEntries(dataset.columns.filter((c) => c.pseudonymize).map((c) => [c.name, c.pseudonymize!]));
}

export function findTable(bundle: PolicyBundle, system: string, table: string) {
  const s = bundle.datamap.systems.find((x) => x.name === system);
  const d = s?.datasets.find((x) => x.name === table);
  if (!s || !d) throw new AnonymizeInputError(`${system}.${table} is not a table of the data map`);
  return { system: s, dataset: d };
}

export async function exportTable(
  db: Knex,
  table: string,
  columns: string[],
  file: string,
  signal?: AbortSignal,
): Promise<void> {
  const [schema, name] = table.includes('.') ? table.split('.', 2) : [null, table];
  const select = db
    .raw(`SELECT ${columns.map(() => '??').join(', ')} FROM ${schema ? '??.??' : '??'}`, [
      ...columns,
      ...(schema ? [schema, name] : [name]),
    ])
    .toSQL()
    .toNative().sql;
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    await copyCsvOut(db, select, (chunk) => void fs.writeSync(fd, chunk), { signal });
  } catch (e) {
    const message = (e as Error).message;
    if (/does not exist/.test(message)) throw new AnonymizeInputError(`cannot read ${table}: ${message}`);
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}

export async function anonymizeTable(
  deps: Deps,
  bundle: PolicyBundle,
  run: { dataset: string; release_kind: string; options: AnonymizationOptions },
  onProgress: (p: AnonymizeProgress) => void,
  signal?: AbortSignal,
): Promise<{ result: AnonymizationResultJson; csv: Buffer }> {
  const o = run.options;
  const { system, dataset } = findTable(bundle, o.system, o.table);
  const hierarchies: Record<string, HierarchySpec> = Object.fromEntries(
    o.quasi.map((q) => [q, { rule: parseRule(o.rules[q] ?? '') }]),
  );
  const thresholds = selectThresholds(bundle.reid, run.release_kind);
  const needsKey = Object.values(o.pseudonymize).includes('hmac');
  const key = needsKey ? await datasetPseudonymKey(deps.db, deps.crypto, run.dataset) : null;

  const url = (s: DataSystem) => deps.config.systemUrl(s.connectionEnv);
  onProgress({ phase: 'reading', fraction: 0 });
  return withTableCsv(bundle.datamap, system, dataset, url, signal, async (input, dir) => {
    const out = path.join(dir, 'output.csv');
    const report = await anonymizeCsv({
      file: input,
      delimiter: ',',
      quasi: o.quasi,
      sensitive: o.sensitive,
      hierarchies,
      models: modelsFromThresholds(thresholds, o.maxSuppression),
      metric: o.metric,
      out,
      pseudonymize: o.pseudonymize,
      pseudonymKey: key,
      policy: applyPolicy(thresholds, bundle.hash),
      onProgress,
      signal,
    });
    const summary = (g: NonNullable<typeof report.after>) => ({
      passed: g.passed,
      records: g.records,
      classes: g.equivalenceClasses,
      k: g.minClassSize,
      highestRisk: g.prosecutor.highest,
      averageRisk: g.prosecutor.average,
      recordsAtRisk: g.prosecutor.recordsAtRisk,
      violations: g.violations.map((v) => v.message),
    });
    const result: AnonymizationResultJson = {
      levels: report.levels,
      suppressed: report.suppressed,
      classes: report.classes,
      records: report.records,
      metric: report.metric,
      value: report.value,
      metrics: { ...report.metrics },
      search: report.search,
      output: { records: report.output.records, pseudonymized: report.output.pseudonymized },
      hierarchies: Object.fromEntries(o.quasi.map((q) => [q, o.rules[q]])),
      released: report.released,
      before: report.before && summary(report.before),
      after: report.after && summary(report.after),
    };
    return { result, csv: await fsp.readFile(out) };
  });
}

/**
 * Exports a data map table (its data map columns) to a private temporary CSV through the system's
 * connection, runs `fn` on it (with the directory, for outputs that must go the same way), then
 * removes the directory and closes the pool whatever happens. PostgreSQL systems only (COPY).
 */
export async function withTableCsv<T>(
  datamap: DataMap,
  system: DataSystem,
  dataset: DatasetDef,
  url: ResolveUrl,
  signal: AbortSignal | undefined,
  fn: (input: string, dir: string) => Promise<T>,
): Promise<T> {
  const engine = systemEngine(system, system.engine === 'auto' ? url(system) : undefined);
  if (!engine.reidPushDown)
    throw new AnonymizeInputError(
      `data system ${system.name} runs on ${engine.name}: anonymization reads tables on PostgreSQL systems only`,
    );
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lethe-anonymize-'));
  const connections = createConnections(datamap, url, { poolMax: 2 });
  try {
    const input = path.join(dir, 'input.csv');
    const columns = dataset.columns.map((c) => c.name);
    await exportTable(connections.get(system.name), dataset.name, columns, input, signal);
    return await fn(input, dir);
  } finally {
    await connections.destroy();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

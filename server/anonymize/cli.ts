// `lethe anonymize`: make a CSV (or, with --table, a data map table) releasable. Searches the generalization lattice for the least-loss
// transformation that satisfies the privacy models (by default the release policy's thresholds for
// --kind), writes it to --out, then re-identification-tests the output against the policy.
// Exit 0: written and releasable; 3: no transformation satisfies the models within the suppression
// limit, or the output still fails the policy; 1: the input or an option is wrong.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { lines, type CliContext } from '../cli-context';
import { defaultPoliciesDir, loadBundle } from '../policies/bundle';
import type { DataSystem, PolicyBundle } from '../policies/types';
import { applyPolicy, selectThresholds } from '../reid/thresholds';
import { METRICS, type Metric, type PrivacyModels } from './engine';
import { AnonymizeInputError } from './errors';
import { parseRule } from '../reid/hierarchy';
import { datasetKey, type PseudonymMethod } from './pseudonymize';
import { declaredPseudonyms, findTable, withTableCsv } from './table-run';
import {
  anonymizeCsv,
  modelsFromThresholds,
  NoTransformationError,
  type AnonymizeReport,
  type HierarchySpec,
} from './service';

export interface AnonymizeCliIo {
  out(line: string): void;
  err(line: string): void;
  exit(code: number): void;
}

interface Options {
  file?: string;
  table?: string;
  delimiter?: string;
  quasi?: string;
  sensitive?: string;
  hierarchy: string[];
  rule: string[];
  k?: string;
  l?: string;
  lVariant?: string;
  t?: string;
  highestRisk?: string;
  averageRisk?: string;
  maxSuppression?: string;
  metric?: string;
  kind?: string;
  policies?: string;
  out?: string;
  pseudonymize: string[];
  pseudonymKeyFile?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerAnonymizeCommands(program: Command, ctx: CliContext): Command {
  const io: AnonymizeCliIo = lines(ctx);
  return program
    .command('anonymize')
    .description(
      'generalize and suppress a CSV until it meets the privacy models (default: the release policy), least information loss first',
    )
    .option('--file <file>', 'CSV file to anonymize')
    .option(
      '--table <system.table>',
      'instead of --file: a table of a registered PostgreSQL data system, read through the data map',
    )
    .option('--delimiter <char>', 'CSV delimiter (default: detected)')
    .option('--quasi <columns>', 'quasi-identifiers, comma-separated')
    .option('--sensitive <columns>', 'sensitive attributes, comma-separated')
    .option(
      '--hierarchy <attr=file.csv>',
      "a quasi-identifier's hierarchy in ARX's CSV format (repeatable)",
      collect,
      [],
    )
    .option(
      '--rule <attr=rule>',
      'a hierarchy built from a rule: interval:5,10,20 | mask:1,2,3 | date:month,year (repeatable)',
      collect,
      [],
    )
    .option('--k <k>', 'k-anonymity (default: the policy)')
    .option('--l <l>', 'ℓ-diversity of every sensitive attribute')
    .option('--l-variant <variant>', 'distinct or entropy', 'distinct')
    .option('--t <t>', 't-closeness (equal distance) of every sensitive attribute')
    .option('--highest-risk <r>', 'highest prosecutor risk allowed')
    .option('--average-risk <r>', 'average prosecutor risk allowed')
    .option('--max-suppression <share>', 'share of records that may be suppressed', '0')
    .option('--metric <metric>', `information loss to minimise: ${METRICS.join(', ')}`, 'loss')
    .option(
      '--kind <kind>',
      "release kind whose thresholds gate the output (default: the table's release_kind, else default)",
    )
    .option('--policies <dir>', 'policy bundle directory (default: $LETHE_POLICIES_DIR or ./policies)')
    .option('--out <file>', 'where to write the anonymized CSV')
    .option(
      '--pseudonymize <column=hmac|mask>',
      'replace a direct identifier: keyed HMAC token or format-preserving mask (repeatable)',
      collect,
      [],
    )
    .option(
      '--pseudonym-key-file <file>',
      "the dataset's HMAC key (hex; created when missing; delete it to destroy the key)",
    )
    .option('--json', 'print one JSON object')
    .action(async (opts: Options) => {
      try {
        const report = await run(opts, ctx.env);
        if (opts.json) io.out(JSON.stringify(jsonReport(report), null, 2));
        else printSummary(io, report);
        if (report.released === false) {
          io.err(
            `lethe anonymize: the output still fails the policy: ${report.after!.violations.map((v) => v.threshold).join(', ')}`,
          );
          io.exit(3);
        } else io.exit(0);
      } catch (err) {
        if (err instanceof NoTransformationError) {
          if (opts.json)
            io.out(
              JSON.stringify(
                { levels: null, suppressed: null, classes: null, nodes: err.result.nodes, error: err.message },
                null,
                2,
              ),
            );
          io.err(`lethe anonymize: ${err.message}`);
          io.exit(3);
          return;
        }
        io.err(`lethe anonymize: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')}`);
        io.exit(1);
      }
    });
}

async function run(opts: Options, env: NodeJS.ProcessEnv): Promise<AnonymizeReport> {
  if (!opts.file && !opts.table) throw new AnonymizeInputError('give the CSV with --file (or a table with --table)');
  if (opts.file && opts.table) throw new AnonymizeInputError('give either --file or --table, not both');
  if (!opts.quasi) throw new AnonymizeInputError('name the quasi-identifiers with --quasi a,b,c');
  if (!opts.out) throw new AnonymizeInputError('say where to write the result with --out');
  if (opts.file && path.resolve(opts.out) === path.resolve(opts.file))
    throw new AnonymizeInputError('--out must not be the input file');
  const metric = opts.metric as Metric;
  if (!METRICS.includes(metric)) throw new AnonymizeInputError(`--metric is one of ${METRICS.join(', ')}`);
  const quasi = list(opts.quasi);
  const hierarchies: Record<string, HierarchySpec> = {};
  for (const h of opts.hierarchy) {
    const [attr, file] = pair(h, '--hierarchy');
    hierarchies[attr] = { file };
  }
  for (const r of opts.rule) {
    const [attr, rule] = pair(r, '--rule');
    if (hierarchies[attr]) throw new AnonymizeInputError(`${attr} has both a hierarchy file and a rule`);
    hierarchies[attr] = { rule: parseRule(rule) };
  }
  const dir = opts.policies ?? defaultPoliciesDir();
  const bundle = await bundleIfPresent(dir);
  const target = opts.table ? tableOf(bundle, opts.table) : null;
  const thresholds = selectThresholds(bundle?.reid, opts.kind ?? target?.dataset.releaseKind);
  const policy = applyPolicy(thresholds, bundle?.hash ?? null);
  const maxSuppression = share(opts.maxSuppression ?? '0', '--max-suppression', true);
  const explicit =
    opts.k !== undefined ||
    opts.l !== undefined ||
    opts.t !== undefined ||
    opts.highestRisk !== undefined ||
    opts.averageRisk !== undefined;
  let models: PrivacyModels;
  if (explicit) {
    if (opts.lVariant !== 'distinct' && opts.lVariant !== 'entropy')
      throw new AnonymizeInputError('--l-variant is distinct or entropy');
    models = {
      k: opts.k === undefined ? undefined : whole(opts.k, '--k'),
      l: opts.l === undefined ? undefined : { variant: opts.lVariant, l: positive(opts.l, '--l') },
      t: opts.t === undefined ? undefined : share(opts.t, '--t'),
      highestRisk: opts.highestRisk === undefined ? undefined : share(opts.highestRisk, '--highest-risk'),
      averageRisk: opts.averageRisk === undefined ? undefined : share(opts.averageRisk, '--average-risk'),
      maxSuppression,
    };
  } else models = modelsFromThresholds(thresholds, maxSuppression);
  // A table's columns are pseudonymized as its data map declares, unless --pseudonymize says otherwise.
  const pseudonymize: Record<string, PseudonymMethod> = target ? declaredPseudonyms(target.dataset) : {};
  for (const p of opts.pseudonymize) {
    const [column, method] = pair(p, '--pseudonymize');
    if (method !== 'hmac' && method !== 'mask')
      throw new AnonymizeInputError(`--pseudonymize takes column=hmac or column=mask, got "${p}"`);
    pseudonymize[column] = method;
  }
  const needsKey = Object.values(pseudonymize).includes('hmac');
  if (needsKey && !opts.pseudonymKeyFile)
    throw new AnonymizeInputError('hmac pseudonyms need --pseudonym-key-file (the per-dataset key)');
  const anonymize = (file: string, delimiter: string | undefined) =>
    anonymizeCsv({
      pseudonymize,
      pseudonymKey: needsKey ? datasetKey(opts.pseudonymKeyFile!) : null,
      file,
      delimiter,
      quasi,
      sensitive: opts.sensitive ? list(opts.sensitive) : [],
      hierarchies,
      models,
      metric,
      out: opts.out!,
      policy,
    });
  if (!target) return anonymize(opts.file!, opts.delimiter);
  // The table is exported (COPY, its data map columns) to a private temporary file, removed afterwards.
  const url = (s: DataSystem) => {
    const value = env[s.connectionEnv];
    if (!value) throw new AnonymizeInputError(`data system ${s.name}: set ${s.connectionEnv} to its connection string`);
    return value;
  };
  return withTableCsv(bundle!.datamap, target.system, target.dataset, url, undefined, (file) => anonymize(file, ','));
}

/** --table SYSTEM.TABLE: the data map's system and table (the bundle says how to reach it). */
function tableOf(bundle: PolicyBundle | null, ref: string) {
  const dot = ref.indexOf('.');
  if (dot <= 0 || dot === ref.length - 1) throw new AnonymizeInputError(`--table takes SYSTEM.TABLE, got "${ref}"`);
  if (!bundle)
    throw new AnonymizeInputError('--table needs the policy bundle: its data map says how to reach the system');
  return findTable(bundle, ref.slice(0, dot), ref.slice(dot + 1));
}

/** The JSON the issue names (levels, suppressed, classes, the metric and its value) plus the gate. */
export function jsonReport(r: AnonymizeReport) {
  return {
    levels: r.levels,
    suppressed: r.suppressed,
    classes: r.classes,
    records: r.records,
    metric: r.metric,
    value: r.value,
    metrics: r.metrics,
    models: r.models,
    search: r.search,
    output: r.output,
    hierarchies: r.hierarchies,
    released: r.released,
    before: r.before && summary(r.before),
    after: r.after && summary(r.after),
  };
}

function summary(o: NonNullable<AnonymizeReport['after']>) {
  return {
    passed: o.passed,
    records: o.records,
    classes: o.equivalenceClasses,
    k: o.minClassSize,
    highestRisk: o.prosecutor.highest,
    averageRisk: o.prosecutor.average,
    recordsAtRisk: o.prosecutor.recordsAtRisk,
    violations: o.violations.map((v) => v.message),
  };
}

function printSummary(io: AnonymizeCliIo, r: AnonymizeReport): void {
  const levels = Object.entries(r.levels)
    .map(([a, l]) => `${a}=${l}`)
    .join(', ');
  io.out(`anonymized ${r.records.toLocaleString('en')} records → ${r.output.file}: levels ${levels}`);
  io.out(
    `  ${r.classes.toLocaleString('en')} classes, ${r.suppressed.toLocaleString('en')} records suppressed; ${r.metric} = ${r.value}`,
  );
  io.out(`  search: ${r.search.evaluated} of ${r.search.nodes} nodes evaluated in ${r.search.ms} ms`);
  if (r.before && r.after) {
    io.out(
      `  before: k = ${r.before.minClassSize}, ${r.before.equivalenceClasses} classes, highest risk ${r.before.prosecutor.highest}: ${r.before.passed ? 'passes' : 'fails'} "${r.after.policy.kind}"`,
    );
    io.out(
      `  after:  k = ${r.after.minClassSize}, ${r.after.equivalenceClasses} classes, highest risk ${r.after.prosecutor.highest}: ${r.after.passed ? 'passes' : 'fails'}`,
    );
    for (const v of r.after.violations) io.out(`  ✗ ${v.message}`);
  }
}

async function bundleIfPresent(dir: string): Promise<PolicyBundle | null> {
  if (!fs.existsSync(path.join(dir, 'reid.yaml'))) return null;
  const loaded = await loadBundle(dir);
  if (!loaded.ok)
    throw new AnonymizeInputError(`the policy bundle ${dir} is invalid (${loaded.problems.length} problems)`);
  return loaded.bundle;
}

function pair(text: string, flag: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0 || i === text.length - 1) throw new AnonymizeInputError(`${flag} takes attribute=value, got "${text}"`);
  return [text.slice(0, i), text.slice(i + 1)];
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function share(value: string, flag: string, zeroOk = false): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && (zeroOk ? n >= 0 : n > 0) && n <= 1))
    throw new AnonymizeInputError(`${flag} must be a number in ${zeroOk ? '[0' : '(0'}, 1], got "${value}"`);
  return n;
}

function whole(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new AnonymizeInputError(`${flag} must be a whole number ≥ 1, got "${value}"`);
  return n;
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 1)) throw new AnonymizeInputError(`${flag} must be a number ≥ 1, got "${value}"`);
  return n;
}

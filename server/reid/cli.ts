// `lethe reid`: a re-identification test for pipelines. Prints the measured figures (one JSON object
// with --json), exits 0 when the dataset meets the policy, 3 when it does not, 1 when the input
// cannot be measured (unknown column, unreadable file, bad option), always with one line on stderr
// saying why it did not pass.
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { defaultPoliciesDir, loadBundle } from '../policies/bundle';
import type { PolicyBundle } from '../policies/types';
import { analyseCsv, analyseTable, type AnalysisOptions } from './analyse';
import { systemConnectionUrl, type EnvLookup } from './connection';
import { DEFAULT_DATA_DIR, duckdbThreadsSetting, envVar } from '../config';
import { setDuckdbThreads } from '../erasure/files/duckdb';
import { rootOf, systemEngine, withConnections } from '../systems/connections';
import { withDatasetCsv } from './files-source';
import { ReidInputError } from './errors';
import { applyPolicy, DETECTOR_LABELS, percent, recordCount, selectThresholds } from './thresholds';
import type { ReidOutcome } from './types';
import { lines, type CliContext } from '../cli-context';

export interface ReidCliIo {
  out(line: string): void;
  err(line: string): void;
  exit(code: number): void;
}

export const EXIT_PASSED = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_FAILED = 3;

const processIo: ReidCliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  exit: (code) => {
    process.exitCode = code;
  },
};

interface ReidCliOptions {
  file?: string;
  table?: string;
  delimiter?: string;
  quasi?: string;
  sensitive?: string;
  population?: string;
  auxiliary?: string;
  join?: string;
  riskThreshold?: string;
  kind?: string;
  policies?: string;
  maxBytes?: string;
  riskiest?: string;
  json?: boolean;
}

export function registerReidCommands(program: Command, ctx: CliContext): Command {
  return registerWith(program, lines(ctx), (name) => ctx.env[name]);
}

function registerWith(program: Command, io: ReidCliIo = processIo, env: EnvLookup = envVar): Command {
  return program
    .command('reid')
    .description('measure how re-identifiable a dataset is and check it against policies/reid.yaml')
    .option('--file <file>', 'CSV file to test')
    .option(
      '--table <system.table>',
      'table or view of a registered data system (or a dataset of a files system) to test',
    )
    .option('--delimiter <char>', 'CSV delimiter (default: detected)')
    .option('--quasi <columns>', 'quasi-identifiers, comma-separated')
    .option('--sensitive <columns>', 'sensitive attributes, comma-separated')
    .option(
      '--population <file>',
      'population CSV (a superset with the same quasi-identifiers): journalist and marketer risk',
    )
    .option('--auxiliary <file>', 'auxiliary CSV for a linkage attack (with --join)')
    .option('--join <columns>', 'columns the linkage attack joins on, comma-separated')
    .option('--risk-threshold <t>', 'risk above which a record is "at risk" (overrides the policy)')
    .option('--kind <kind>', "release kind whose thresholds apply (default: the dataset's release_kind, else default)")
    .option('--policies <dir>', 'policy bundle directory (default: $LETHE_POLICIES_DIR or ./policies)')
    .option('--max-bytes <n>', 'refuse CSV files larger than this')
    .option('--riskiest <n>', 'how many of the riskiest classes to list', '10')
    .option('--json', 'print one JSON object')
    .action(async (opts: ReidCliOptions) => {
      try {
        const outcome = await run(opts, env);
        if (opts.json) io.out(JSON.stringify(outcome, null, 2));
        else printSummary(io, outcome);
        if (outcome.passed) io.exit(EXIT_PASSED);
        else {
          io.err(
            `lethe reid: the dataset fails the policy: ${outcome.violations.map((v) => v.threshold + (v.subject ? `(${v.subject})` : '')).join(', ')}`,
          );
          io.exit(EXIT_FAILED);
        }
      } catch (err) {
        io.err(`lethe reid: ${oneLine((err as Error).message)}`);
        io.exit(EXIT_BAD_INPUT);
      }
    });
}

/** Runs `lethe reid …` in-process (tests, scripts): argv starts with "reid". */
export async function main(
  argv: string[],
  env: EnvLookup = envVar,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const program = new Command('lethe')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s.replace(/\n$/, '')), writeErr: (s) => err.push(oneLine(s)) });
  registerWith(program, { out: (l) => out.push(l), err: (l) => err.push(l), exit: (c) => (code = c) }, env);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  }
  return { code, stdout: out.map((l) => l + '\n').join(''), stderr: err.map((l) => l + '\n').join('') };
}

async function run(opts: ReidCliOptions, env: EnvLookup): Promise<ReidOutcome> {
  if (!opts.file === !opts.table) throw new ReidInputError('bad_option', 'give either --file or --table');
  if (!opts.quasi) throw new ReidInputError('bad_option', 'name the quasi-identifiers with --quasi a,b,c');
  if (!!opts.auxiliary !== !!opts.join) throw new ReidInputError('bad_option', '--auxiliary and --join go together');
  const riskThreshold = opts.riskThreshold === undefined ? undefined : share(opts.riskThreshold, '--risk-threshold');

  const dir = opts.policies ?? defaultPoliciesDir();
  const bundle = await bundleIfPresent(dir);
  const target = opts.table ? resolveTable(bundle, opts.table) : null;
  const thresholds = selectThresholds(bundle?.reid, opts.kind ?? target?.releaseKind);
  const options: AnalysisOptions = {
    quasi: list(opts.quasi),
    sensitive: opts.sensitive ? list(opts.sensitive) : [],
    policy: applyPolicy(thresholds, bundle?.hash ?? null, { riskThreshold }),
    population: opts.population ? { file: opts.population, delimiter: opts.delimiter } : undefined,
    linkage: opts.auxiliary ? { file: opts.auxiliary, on: list(opts.join!), delimiter: opts.delimiter } : undefined,
    maxBytes: opts.maxBytes === undefined ? undefined : count(opts.maxBytes, '--max-bytes'),
    riskiestCount: count(opts.riskiest ?? '10', '--riskiest'),
  };
  if (opts.file) return analyseCsv({ file: opts.file, delimiter: opts.delimiter }, options);

  const system = target!.system;
  if (system.engine === 'files') {
    // The files engine's reader, as a run started from the web or a job measures it (measure-run.ts).
    const dataset = system.datasets.find((d) => d.name === target!.table);
    if (!dataset) throw new ReidInputError('bad_option', `${system.name} has no dataset ${target!.table}`);
    // This command builds no deps, so the files engine's reader takes its threads from here.
    const threads = duckdbThreadsSetting.safeParse(env('LETHE_DUCKDB_THREADS'));
    if (!threads.success)
      throw new ReidInputError('bad_option', 'LETHE_DUCKDB_THREADS must be a whole number from 1 to 64');
    setDuckdbThreads(threads.data);
    const dataDir = path.resolve(env('LETHE_DATA_DIR') ?? DEFAULT_DATA_DIR);
    const root = rootOf(
      system,
      env(system.connectionEnv) ?? (system.root ? path.join(dataDir, system.root) : undefined),
    );
    return withDatasetCsv(root, dataset, (file) => analyseCsv({ file }, options));
  }
  const url = systemConnectionUrl(system, env);
  const engine = systemEngine(system, url);
  if (!engine.reidPushDown)
    throw new ReidInputError(
      'bad_option',
      `data system ${system.name} runs on ${engine.name}: re-identification tests read tables on PostgreSQL and MySQL/MariaDB systems only`,
    );
  return withConnections(
    { systems: [system] },
    () => url,
    { poolMax: 2, applicationName: 'lethe-reid' },
    (c) => analyseTable(c.get(system.name), target!.table, options),
  );
}

/** The bundle when the directory has a reid.yaml; null (built-in thresholds) when it has none. */
async function bundleIfPresent(dir: string): Promise<PolicyBundle | null> {
  if (!fs.existsSync(path.join(dir, 'reid.yaml'))) return null;
  const loaded = await loadBundle(dir);
  if (!loaded.ok) {
    const p = loaded.problems[0];
    throw new ReidInputError(
      'bad_option',
      `the policy bundle ${dir} is invalid (${loaded.problems.length} problems), first: ${p.file}:${p.line}:${p.column}: ${p.message}`,
    );
  }
  return loaded.bundle;
}

function resolveTable(bundle: PolicyBundle | null, ref: string) {
  const dot = ref.indexOf('.');
  if (dot <= 0) throw new ReidInputError('bad_option', `--table takes SYSTEM.TABLE, got "${ref}"`);
  if (!bundle)
    throw new ReidInputError(
      'bad_option',
      '--table needs the policy bundle: its data map says how to reach the system',
    );
  const systemName = ref.slice(0, dot);
  const table = ref.slice(dot + 1);
  const system = bundle.datamap.systems.find((s) => s.name === systemName);
  if (!system) throw new ReidInputError('bad_option', `no data system "${systemName}" in the data map`);
  const dataset = system.datasets.find((d) => d.name === table);
  return { system, table, releaseKind: dataset?.releaseKind };
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function share(value: string, flag: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new ReidInputError('bad_option', `${flag} must be a number in (0, 1], got "${value}"`);
  return n;
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new ReidInputError('bad_option', `${flag} must be a whole number, got "${value}"`);
  return n;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function printSummary(io: ReidCliIo, o: ReidOutcome): void {
  const fmt = (n: number) => n.toLocaleString('en');
  io.out(
    `${o.passed ? 'PASSED' : 'FAILED'}: thresholds "${o.policy.kind}" (${o.policy.thresholds.source}${o.policy.bundleHash ? `, bundle ${o.policy.bundleHash.slice(0, 12)}` : ''})`,
  );
  io.out(
    `  ${fmt(o.records)} records in ${fmt(o.equivalenceClasses)} classes; k = ${o.minClassSize}; sample uniques ${percent(o.sampleUniqueness)}`,
  );
  io.out(
    `  prosecutor risk: highest ${percent(o.prosecutor.highest)}, average ${percent(o.prosecutor.average)}, records at risk ${percent(o.prosecutor.recordsAtRisk)}`,
  );
  if (o.journalist && o.marketer) {
    io.out(
      `  journalist risk: highest ${percent(o.journalist.highest)}, records at risk ${percent(o.journalist.recordsAtRisk)}; marketer ${percent(o.marketer.risk)}`,
    );
  }
  for (const [name, s] of Object.entries(o.sensitive)) {
    const ordered = s.orderedTCloseness === null ? '' : `, ordered ${s.orderedTCloseness.toFixed(4)}`;
    io.out(
      `  ${name}: distinct l ${s.distinctL}, entropy l ${s.entropyL.toFixed(3)}, t ${s.tCloseness.toFixed(4)}${ordered}`,
    );
  }
  for (const leak of o.identifierLeaks)
    io.out(
      `  leak: ${leak.column} holds ${DETECTOR_LABELS[leak.detector]} in ${recordCount(leak.count)} (${leak.examples.join(', ')})`,
    );
  if (o.linkage)
    io.out(
      `  linkage on ${o.linkage.on.join(', ')}: ${percent(o.linkage.share)} of ${fmt(o.linkage.auxiliaryRecords)} auxiliary records match exactly one record`,
    );
  for (const v of o.violations) io.out(`  ✗ ${v.message}`);
}

// `lethe policy …`: check, test, explain and schema. Problems and failures are printed for people
// (`file:line:column: message`), exit codes say pass/fail, and no stack trace ever reaches the user.
import { Command, CommanderError, Option } from 'commander';
import { defaultPoliciesDir, loadBundle } from './bundle';
import { datasetCategories } from './dataset-categories';
import { parseIsoDate } from './durations';
import { explainAccess, explainDeletion, explainRetention, formatExplanation, type Explanation } from './explain';
import { writeJsonSchemas } from './json-schema';
import { formatOutcome, runPolicyTests } from './policy-tests';
import { REGULATIONS, type PolicyBundle, type Regulation } from './types';
import { formatProblem } from './yaml-source';
import { lines, type CliContext } from '../cli-context';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  exit(code: number): void;
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  exit: (code) => {
    process.exitCode = code;
  },
};

/** Thrown for bad command-line input; printed as one line, exit code 2. */
class UsageError extends Error {}

export function registerPolicyCommands(program: Command, ctx: CliContext): Command {
  return registerWith(program, lines(ctx));
}

function registerWith(program: Command, io: CliIo): Command {
  const policy = program.command('policy').description('check, test and explain the policy bundle');
  const dirHelp = 'policy bundle directory (default: $LETHE_POLICIES_DIR or ./policies)';

  policy
    .command('check')
    .description('validate the bundle; print every problem as file:line:column: message')
    .argument('[dir]', dirHelp)
    .action(guard(io, async (dir?: string) => check(io, dir ?? defaultPoliciesDir())));

  policy
    .command('test')
    .description('run the truth tables in tests/*_test.yaml')
    .argument('[dir]', dirHelp)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--verbose', 'also list the cases that pass')
    .action(guard(io, async (dir: string | undefined, opts: { format: string; verbose?: boolean }) => test(io, dir ?? defaultPoliciesDir(), opts)));

  policy
    .command('schema')
    .description('regenerate the JSON Schema files in <dir>/schema/')
    .argument('[dir]', dirHelp)
    .action(
      guard(io, async (dir?: string) => {
        for (const file of await writeJsonSchemas(dir ?? defaultPoliciesDir())) io.out(`wrote ${file}`);
        return 0;
      }),
    );

  const explain = policy.command('explain').description('show a decision and the rule (file:line) that produced it');
  const common = (c: Command) =>
    c
      .option('--dir <dir>', dirHelp)
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));

  common(explain.command('access'))
    .description('may a role perform an action on a resource?')
    .requiredOption('--role <role>', 'role of the principal')
    .requiredOption('--action <action>', 'action, e.g. approve')
    .requiredOption('--resource <resource>', 'resource, e.g. request')
    .option('--principal <id>', 'id of the principal', 'principal')
    .option('--submitted-by <id>', 'who submitted the resource (for four_eyes)')
    .action(
      guard(io, async (o: ExplainOpts & { role: string; action: string; resource: string; principal: string; submittedBy?: string }) =>
        withBundle(io, o, (b) =>
          explainAccess(b, {
            principal: { id: o.principal, role: o.role },
            action: o.action,
            resource: o.resource,
            context: o.submittedBy ? { submittedBy: o.submittedBy } : {},
          }),
        ),
      ),
    );

  common(explain.command('deletion'))
    .description('what does an erasure request do to a column of this category?')
    .requiredOption('--category <key>', 'data category of the column, e.g. user.contact.email')
    .addOption(new Option('--regulation <regulation>', 'regulation of the request').choices([...REGULATIONS]).makeOptionMandatory())
    .requiredOption('--dataset <system.dataset>', 'dataset, e.g. billing.invoices')
    .option('--date <column=iso>', "a date column of the row, for an exemption's keep_for (repeatable)", collect, [])
    .option('--now <iso>', 'evaluate at this time (with --date)')
    .action(
      guard(io, async (o: ExplainOpts & { category: string; regulation: Regulation; dataset: string; date: string[]; now?: string }) =>
        withBundle(io, o, (b) => {
          const q = { category: o.category, regulation: o.regulation, dataset: o.dataset };
          const row = o.date.length || o.now ? { dates: pairs(o.date, '--date'), now: when(o.now) } : undefined;
          return explainDeletion(b, q, row);
        }),
      ),
    );

  common(explain.command('retention'))
    .description('how long is a record kept, and what happens then?')
    .requiredOption('--dataset <system.dataset>', 'dataset, e.g. analytics.events')
    .option('--date <column=iso>', 'a date column of the record (repeatable)', collect, [])
    .option('--event <name=iso>', 'an event that happened, e.g. account_closed=2025-01-31 (repeatable)', collect, [])
    .option('--category <key>', "a category of the record (repeatable; default: the dataset's column categories)", collect, [])
    .option('--subject <fingerprint>', 'fingerprint of the data subject (for subject holds)')
    .option('--now <iso>', 'evaluate at this time (default: now)')
    .action(
      guard(io, async (o: ExplainOpts & { dataset: string; date: string[]; event: string[]; category: string[]; subject?: string; now?: string }) =>
        withBundle(io, o, (b) =>
          explainRetention(b, {
            dataset: o.dataset,
            categories: o.category.length ? o.category : knownDatasetCategories(b, o.dataset),
            dates: pairs(o.date, '--date'),
            events: pairs(o.event, '--event'),
            ...(o.subject ? { subject: o.subject } : {}),
            now: when(o.now),
          }),
        ),
      ),
    );

  return policy;
}

interface ExplainOpts {
  dir?: string;
  format: string;
}

/** Runs the command in-process (tests, or a thin entry point): returns the exit code instead of exiting. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let code = 0;
  const captured: CliIo = { out: io.out, err: io.err, exit: (c) => (code = c) };
  // Subcommands inherit exitOverride and the output configuration from the program.
  const program = new Command('lethe')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  registerWith(program, captured);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    throw e;
  }
  return code;
}

function guard<A extends unknown[]>(io: CliIo, action: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    try {
      io.exit(await action(...args));
    } catch (e) {
      io.err(`error: ${(e as Error).message}`);
      io.exit(e instanceof UsageError ? 2 : 1);
    }
  };
}

async function check(io: CliIo, dir: string): Promise<number> {
  const result = await loadBundle(dir);
  if (!result.ok) {
    result.problems.forEach((p) => io.out(formatProblem(p)));
    io.out(`${plural(result.problems.length, 'problem')} in ${dir}`);
    return 1;
  }
  const b = result.bundle;
  const datasets = b.datamap.systems.flatMap((s) => s.datasets).length;
  io.out(`policy bundle ${dir} is valid: ${b.files.length} files`);
  io.out(
    `  ${b.access.roles.length} roles, ${b.access.rules.length} access rules, ${b.taxonomy.categories.length} categories, ` +
      `${b.datamap.systems.length} systems with ${datasets} datasets, ${b.deletion.rules.length} deletion rules, ` +
      `${b.deletion.exemptions.length} exemptions, ${b.retention.rules.length} retention rules, ${b.retention.legalHolds.length} legal holds, ` +
      `${b.reid.thresholds.length} re-identification thresholds, ${b.schedules.length} schedules`,
  );
  io.out(`bundle sha256:${b.hash}`);
  return 0;
}

async function test(io: CliIo, dir: string, opts: { format: string; verbose?: boolean }): Promise<number> {
  const result = await loadBundle(dir);
  if (!result.ok) {
    if (opts.format === 'json') io.out(JSON.stringify({ ok: false, problems: result.problems }, null, 2));
    else {
      result.problems.forEach((p) => io.out(formatProblem(p)));
      io.out(`the bundle is invalid (${plural(result.problems.length, 'problem')}); fix it before running its tests`);
    }
    return 1;
  }
  const run = runPolicyTests(result.bundle);
  if (opts.format === 'json') {
    io.out(JSON.stringify({ ok: run.failed === 0, bundle: result.bundle.hash, ...run }, null, 2));
  } else {
    for (const r of run.results) {
      if (r.passed) {
        if (opts.verbose) io.out(`ok   ${r.file}:${r.line} ${r.name}`);
        continue;
      }
      io.out(`FAIL ${r.file}:${r.line} ${r.name}`);
      io.out(`  expected: ${formatOutcome(r.expected)}`);
      io.out(`  actual:   ${formatOutcome(r.actual)}`);
    }
    io.out(`${run.passed} passed, ${run.failed} failed`);
  }
  return run.failed > 0 ? 1 : 0;
}

async function withBundle(io: CliIo, o: ExplainOpts, explain: (b: PolicyBundle) => Explanation): Promise<number> {
  const dir = o.dir ?? defaultPoliciesDir();
  const result = await loadBundle(dir);
  if (!result.ok) {
    result.problems.forEach((p) => io.out(formatProblem(p)));
    io.out(`the bundle is invalid (${plural(result.problems.length, 'problem')})`);
    return 1;
  }
  const e = explain(result.bundle);
  if (o.format === 'json') io.out(JSON.stringify({ bundle: result.bundle.hash, ...e }, null, 2));
  else {
    formatExplanation(e).forEach((l) => io.out(l));
    io.out(`bundle sha256:${result.bundle.hash}`);
  }
  return 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function when(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const d = parseIsoDate(text);
  if (!d) throw new UsageError(`not an ISO-8601 date: ${text}`);
  return d;
}

function pairs(items: string[], flag: string): Record<string, Date> {
  const out: Record<string, Date> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new UsageError(`${flag} takes name=ISO-date, got "${item}"`);
    out[item.slice(0, eq)] = when(item.slice(eq + 1));
  }
  return out;
}

function knownDatasetCategories(b: PolicyBundle, dataset: string): string[] {
  const categories = datasetCategories(b, dataset);
  if (!categories) throw new UsageError(`unknown dataset "${dataset}"`);
  return categories;
}

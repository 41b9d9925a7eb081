// `lethe consent import FILE.csv` and `lethe training build|check DATASET`: the consent ledger and
// training snapshots from the shell (a nightly export of a consent platform, a pipeline step).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CliFailure, type CliContext } from '../cli-context';
import { recordConsentEvents, validateConsentEvents } from './consent';
import { parseConsentCsv } from './consent-csv';
import { services } from '../services';

const ACTOR = 'system:cli';

export function registerTrainingCommands(program: Command, ctx: CliContext): void {
  program
    .command('consent')
    .description('the consent ledger')
    .command('import')
    .description(
      'import consent events from CSV (identity_kind,identity_value,purpose,lawful_basis,event,occurred_at,source); nothing is imported if a line is wrong',
    )
    .argument('<file>', 'CSV file')
    .action(async (file: string) => {
      const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new CliFailure(`cannot read ${file}: ${e.code ?? e.message}`);
      });
      const parsed = parseConsentCsv(text);
      if (!parsed.ok) throw new CliFailure(`${file}: ${parsed.message}`);
      const deps = await ctx.deps();
      const v = validateConsentEvents(deps.policies.current(), parsed.rows);
      if (!v.ok) {
        for (const e of v.errors.slice(0, 50)) ctx.io.err(`${file}:${e.row + 1}: ${e.field}: ${e.message}\n`);
        throw new CliFailure(`${v.errors.length} problem(s); nothing imported`);
      }
      const out = await recordConsentEvents(deps, v.events, ACTOR, `csv:${path.basename(file)}`);
      ctx.io.out(
        `${out.recorded} event(s) recorded, ${out.duplicates} already in the ledger, ${out.doNotTrainAdded} added to the do-not-train list\n`,
      );
    });

  const training = program.command('training').description('training snapshots');
  for (const kind of ['build', 'check'] as const) {
    training
      .command(kind)
      .description(
        kind === 'build'
          ? 'build a training snapshot from its recipe through the consent filter'
          : 'count rows of subjects without a basis in a snapshot as it stands (exit 3 when there are any)',
      )
      .argument('<dataset>', '<system>.<dataset>')
      .action(async (dataset: string) => {
        const deps = await ctx.deps();
        const service = services(deps).snapshots;
        const out = await (kind === 'build' ? service.build(dataset, ACTOR) : service.check(dataset, ACTOR));
        if (!out.ok) throw new CliFailure(out.message);
        ctx.io.out(
          `${dataset} v${out.version} ${out.status}: ${out.rowsIn} row(s) read, ${out.rowsOut} kept, ${out.rowsExcluded} without a basis\n`,
        );
        if (out.status === 'refused' || (kind === 'check' && out.rowsExcluded > 0)) ctx.setExitCode(3);
      });
  }
}

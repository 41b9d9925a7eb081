// `lethe migrate`: applies the migrations (opening the dependencies migrates) and says how many ran.
import type { Command } from 'commander';
import type { CliContext } from '../cli-context';

export function registerDbCommands(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('apply database migrations')
    .action(async () => {
      const deps = await ctx.deps();
      ctx.io.out(`migrations up to date (${(await deps.db('knex_migrations').count({ n: '*' }))[0].n} applied)\n`);
    });
}

// `lethe use-case import FILE.yaml`: bulk registration of AI use cases.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliFailure, type CliContext } from '../cli-context';
import { userByEmail } from '../auth';
import { userPrincipal, type Principal } from '../auth';
import { importUseCases } from './import';

export function registerUseCaseCommands(program: Command, ctx: CliContext): void {
  const uc = program.command('use-case').description('AI use cases for the ethics board');
  uc.command('import')
    .description(
      'register use cases from a YAML list (each entry: title, owner email, purpose, datasets, answers…); nothing is registered if any entry is invalid',
    )
    .argument('<file>', 'YAML file')
    .option('--as <email>', 'the user the registrations are attributed to (default: the CLI itself)')
    .action(async (file: string, opts: { as?: string }) => {
      const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new CliFailure(`cannot read ${file}: ${e.code ?? e.message}`);
      });
      const deps = await ctx.deps();
      let actor: Principal = { kind: 'user', id: 'system:cli', role: 'admin', name: 'lethe CLI' };
      if (opts.as) {
        const u = await userByEmail(deps.db, opts.as);
        if (!u) throw new CliFailure(`no user ${opts.as}`);
        actor = userPrincipal(u);
      }
      const result = await importUseCases(deps, text, actor);
      for (const c of result.created) ctx.io.out(`registered ${c.id} ${c.tier ?? '-'} ${c.title}\n`);
      for (const p of result.problems)
        ctx.io.err(`${file}: entry ${p.index + 1}${p.title ? ` (${p.title})` : ''}: ${p.message}\n`);
      if (result.problems.length)
        throw new CliFailure(
          `${result.problems.length} entr${result.problems.length === 1 ? 'y' : 'ies'} refused; nothing registered`,
        );
      ctx.io.out(`${result.created.length} use case(s) registered\n`);
    });
}

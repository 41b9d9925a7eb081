import type { Command } from 'commander';
import { CliFailure, type CliContext } from '../cli-context';
import { seedDemo, isSeeded } from './seed';
import { DEMO_DOMAIN } from './users';
import { userByEmail } from '../auth';
import { totpNow } from '../auth';

export function registerDemoCommands(program: Command, ctx: CliContext): void {
  program
    .command('seed')
    .description('seed data')
    .option('--demo', 'the demo company (users, data systems, requests)')
    .action(async (opts: { demo?: boolean }) => {
      if (!opts.demo) throw new CliFailure('Nothing to seed: pass --demo');
      const deps = await ctx.deps();
      if (await isSeeded(deps)) {
        ctx.io.out('demo data already seeded\n');
        return;
      }
      const logins = await seedDemo(deps);
      ctx.io.out(`demo data seeded: ${logins.length} users\n`);
    });

  program
    .command('demo')
    .description('demo helpers (refused in production)')
    .command('totp <email>')
    .description('print the current two-factor code of a demo user')
    .action(async (email: string) => {
      const deps = await ctx.deps();
      if (deps.config.env === 'production') throw new CliFailure('Refused: demo helpers are disabled in production');
      if (!email.toLowerCase().endsWith(`@${DEMO_DOMAIN}`))
        throw new CliFailure(`Only demo users (@${DEMO_DOMAIN}) have printable codes`);
      const user = await userByEmail(deps.db, email);
      if (!user?.mfa_secret_enc) throw new CliFailure(`${email} has no two-factor secret`);
      ctx.io.out(totpNow(deps.crypto.decrypt(user.mfa_secret_enc)) + '\n');
    });
}

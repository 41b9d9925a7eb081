// `lethe policy reload`: validate the bundle directory and activate it for every process (the
// same path as the Policies page, SIGHUP and the file watch), audited as the CLI.
import type { Command } from 'commander';
import { CliFailure, type CliContext } from '../cli-context';
import { formatProblem } from '../policies/yaml-source';

export function registerPolicyRuntimeCommands(program: Command, ctx: CliContext): void {
  const policy = program.commands.find((c) => c.name() === 'policy');
  if (!policy) throw new Error('the policy command must be registered first');
  policy
    .command('reload')
    .description(
      'validate $LETHE_POLICIES_DIR and make it the active bundle for every process (web, workers, schedulers)',
    )
    .action(async () => {
      const deps = await ctx.deps();
      const result = await deps.policies.reload(deps.audit, 'system:cli');
      if (!result.ok) {
        throw new CliFailure(
          `bundle rejected; ${result.activeHash} stays active\n${result.problems.map((p) => formatProblem(p)).join('\n')}`,
        );
      }
      ctx.io.out(
        result.changed
          ? `activated ${result.hash} (was ${result.previousHash})\n`
          : `${result.hash} is already active\n`,
      );
    });
}

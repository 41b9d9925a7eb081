import type { Command } from 'commander';
import { z } from 'zod';
import { randomToken } from '../crypto';
import { CliFailure, type CliContext } from '../cli';
import type { Deps } from '../deps';
import { userByEmail, type UserRow } from '../auth/queries';
import { newUserSchema } from '../auth/service';

export function registerAdminCommands(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('manage users');
  user
    .command('create')
    .description('create a user; prints a generated password unless --password-stdin is given')
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--role <role>', 'a role defined in policies/access.yaml')
    .option('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (opts: { email: string; role: string; name?: string; passwordStdin?: boolean }) => {
      const password = opts.passwordStdin ? (await readStdin()).trim() : randomToken(15);
      const parsed = newUserSchema.safeParse({ email: opts.email, role: opts.role, displayName: opts.name ?? opts.email.split('@')[0], password });
      if (!parsed.success) throw new CliFailure(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
      const deps = await ctx.deps();
      assertRole(deps, opts.role);
      if (await userByEmail(deps.db, parsed.data.email)) throw new CliFailure(`A user with email ${parsed.data.email} already exists`);
      const row = await deps.auth.createUser(parsed.data, 'system:cli');
      ctx.io.out(`created user ${row.id} (${row.role})\n`);
      if (!opts.passwordStdin) ctx.io.out(`password: ${password}\n`);
    });
  user
    .command('reset-mfa')
    .description("remove a user's second factor; they enrol again at next sign-in")
    .requiredOption('--email <email>', 'email address')
    .action(async (opts: { email: string }) => {
      const { deps, row } = await existingUser(ctx, opts.email);
      const result = await deps.auth.resetMfa(row.id, 'system:cli');
      ctx.io.out(result.kind === 'unchanged' ? `${row.email} has no two-factor authentication to reset\n` : `two-factor authentication reset for ${row.email}\n`);
    });
  user
    .command('disable')
    .description('disable a user: their sessions end at once and they cannot sign in until enabled')
    .requiredOption('--email <email>', 'email address')
    .action(async (opts: { email: string }) => {
      const { deps, row } = await existingUser(ctx, opts.email);
      const result = await deps.auth.setDisabled(row.id, true, 'system:cli');
      ctx.io.out(result.kind === 'ok' ? `disabled ${row.email} (${result.sessionsEnded} session(s) ended)\n` : `${row.email} was already disabled\n`);
    });
  user
    .command('enable')
    .description('enable a disabled user again')
    .requiredOption('--email <email>', 'email address')
    .action(async (opts: { email: string }) => {
      const { deps, row } = await existingUser(ctx, opts.email);
      const result = await deps.auth.setDisabled(row.id, false, 'system:cli');
      ctx.io.out(result.kind === 'ok' ? `enabled ${row.email}\n` : `${row.email} was already enabled\n`);
    });
  user
    .command('set-role')
    .description("change a user's role; their sessions end and they sign in again under the new role")
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--role <role>', 'a role defined in policies/access.yaml')
    .action(async (opts: { email: string; role: string }) => {
      const { deps, row } = await existingUser(ctx, opts.email);
      assertRole(deps, opts.role);
      const result = await deps.auth.setRole(row.id, opts.role, 'system:cli');
      ctx.io.out(result.kind === 'ok' ? `${row.email}: role ${row.role} -> ${opts.role} (${result.sessionsEnded} session(s) ended)\n` : `${row.email} already has the role ${opts.role}\n`);
    });

  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an API token; prints the token alone on stdout (only its hash is stored)')
    .requiredOption('--role <role>', 'the role the token acts with')
    .requiredOption('--name <name>', 'what uses the token')
    .action(async (opts: { role: string; name: string }) => {
      const deps = await ctx.deps();
      assertRole(deps, opts.role);
      const { token: value } = await deps.auth.createToken({ name: opts.name, role: opts.role }, 'system:cli');
      ctx.io.out(value + '\n');
    });
  token
    .command('revoke')
    .description('revoke an API token by id')
    .requiredOption('--id <id>', 'token id (see the API tokens page)')
    .action(async (opts: { id: string }) => {
      if (!z.uuid().safeParse(opts.id).success) throw new CliFailure(`"${opts.id}" is not a token id (a UUID)`);
      const deps = await ctx.deps();
      if (!(await deps.auth.revokeToken(opts.id, 'system:cli'))) throw new CliFailure(`No active token with id ${opts.id}`);
      ctx.io.out(`token ${opts.id} revoked\n`);
    });

  program
    .command('audit')
    .description('audit-log tools')
    .command('verify-log')
    .description('re-walk the hash chain; exit 1 naming the first broken entry')
    .action(async () => {
      const deps = await ctx.deps();
      const result = await deps.audit.verify();
      if (!result.ok) throw new CliFailure(`audit log BROKEN at entry ${result.brokenSeq}: ${result.reason} (${result.entries} entries verified before it)`);
      ctx.io.out(`audit log intact: ${result.entries} entries, head ${result.head}\n`);
    });
}

function assertRole(deps: Deps, role: string): void {
  const roles = deps.policies.current().access.roles.map((r) => r.name);
  if (!roles.includes(role)) throw new CliFailure(`Unknown role "${role}". Roles: ${roles.join(', ')}`);
}

async function existingUser(ctx: CliContext, email: string): Promise<{ deps: Deps; row: UserRow }> {
  const deps = await ctx.deps();
  const row = await userByEmail(deps.db, email);
  if (!row) throw new CliFailure(`No user with email ${email}`);
  return { deps, row };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

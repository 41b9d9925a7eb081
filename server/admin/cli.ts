import type { Command } from 'commander';
import { z } from 'zod';
import { randomToken } from '../crypto';
import { CliFailure, readInput, type CliContext } from '../cli-context';
import type { Deps } from '../deps';
import { grantAppRole } from '../db/app-role';
import { userByEmail, type UserRow } from '../auth';
import { newUserSchema } from '../auth/service';

export function registerAdminCommands(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('manage users');
  user
    .command('create')
    .description(
      'break-glass: create a user directly (no invitation, no second admin), audited as break-glass; prints a generated password unless --password-stdin is given',
    )
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--role <role>', 'a role defined in policies/access.yaml')
    .option('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (opts: { email: string; role: string; name?: string; passwordStdin?: boolean }) => {
      const password = opts.passwordStdin ? (await readInput(ctx)).trim() : randomToken(15);
      const parsed = newUserSchema.safeParse({
        email: opts.email,
        role: opts.role,
        displayName: opts.name ?? opts.email.split('@')[0],
        password,
      });
      if (!parsed.success)
        throw new CliFailure(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
      const deps = await ctx.deps();
      assertRole(deps, opts.role);
      if (await userByEmail(deps.db, parsed.data.email))
        throw new CliFailure(`A user with email ${parsed.data.email} already exists`);
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
      ctx.io.out(
        result.kind === 'unchanged'
          ? `${row.email} has no two-factor authentication to reset\n`
          : `two-factor authentication reset for ${row.email}\n`,
      );
    });
  user
    .command('disable')
    .description('disable a user: their sessions end at once and they cannot sign in until enabled')
    .requiredOption('--email <email>', 'email address')
    .action(async (opts: { email: string }) => {
      const { deps, row } = await existingUser(ctx, opts.email);
      const result = await deps.auth.setDisabled(row.id, true, 'system:cli');
      ctx.io.out(
        result.kind === 'ok'
          ? `disabled ${row.email} (${result.sessionsEnded} session(s) ended)\n`
          : `${row.email} was already disabled\n`,
      );
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
      ctx.io.out(
        result.kind === 'ok'
          ? `${row.email}: role ${row.role} -> ${opts.role} (${result.sessionsEnded} session(s) ended)\n`
          : `${row.email} already has the role ${opts.role}\n`,
      );
    });

  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description(
      'break-glass: mint a personal API token on behalf of a user (their role, at most their permissions), audited as break-glass; prints the token alone on stdout',
    )
    .requiredOption('--for <email>', 'the user the token answers to')
    .requiredOption('--name <name>', 'what uses the token')
    .option(
      '--permission <resource:action>',
      'limit the token to this permission (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--days <n>', 'days until it expires (policy default and maximum apply)')
    .action(async (opts: { for: string; name: string; permission: string[]; days?: string }) => {
      const { deps, row } = await existingUser(ctx, opts.for);
      const days = opts.days === undefined ? undefined : Number(opts.days);
      if (days !== undefined && !Number.isInteger(days))
        throw new CliFailure(`--days: "${opts.days}" is not a whole number`, 2);
      const outcome = await deps.auth.createToken(
        { name: opts.name, permissions: opts.permission, expiresInDays: days },
        row.id,
        'system:cli',
      );
      if (outcome.kind === 'invalid') throw new CliFailure(outcome.message);
      ctx.io.out(outcome.token + '\n');
    });
  token
    .command('revoke')
    .description('revoke an API token by id')
    .requiredOption('--id <id>', 'token id (see the API tokens page)')
    .action(async (opts: { id: string }) => {
      if (!z.uuid().safeParse(opts.id).success) throw new CliFailure(`"${opts.id}" is not a token id (a UUID)`);
      const deps = await ctx.deps();
      if (!(await deps.auth.revokeToken(opts.id, 'system:cli')))
        throw new CliFailure(`No active token with id ${opts.id}`);
      ctx.io.out(`token ${opts.id} revoked\n`);
    });

  program
    .command('db')
    .description('database administration')
    .command('grant-app-role')
    .description(
      'create (or update) the restricted role the application runs as: no ownership, so it cannot alter or disable the audit-log triggers; run as the owner, again after migrating',
    )
    .requiredOption('--role <name>', 'role name, e.g. lethe_app')
    .option('--password-stdin', 'read the role password from standard input')
    .action(async (opts: { role: string; passwordStdin?: boolean }) => {
      const password = opts.passwordStdin ? (await readInput(ctx)).trim() : undefined;
      const deps = await ctx.deps();
      try {
        await grantAppRole(deps.db, opts.role, password);
      } catch (e) {
        throw new CliFailure(`Could not set up role ${opts.role}: ${(e as Error).message}`);
      }
      await deps.audit.append({ actor: 'system:cli', action: 'db.app_role.grant', details: { role: opts.role } });
      ctx.io.out(
        `role ${opts.role} may use the application's tables; it owns none, and may only INSERT and SELECT the audit-log tables\n`,
      );
    });

  const audit =
    program.commands.find((c) => c.name() === 'audit') ?? program.command('audit').description('audit-log tools');
  audit
    .command('verify-log')
    .description(
      're-walk the keyed chain, check signed checkpoints and the heads in certificates; exit 1 naming what is broken or missing',
    )
    .option(
      '--head <head>',
      'also check a head stored elsewhere: the JSON printed by export-head, or <seq>:<hash>',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--since-checkpoint',
      'start from the newest signed checkpoint (its signature and its entry are checked) and walk only the entries after it',
    )
    .action(async (opts: { head: string[]; sinceCheckpoint?: boolean }) => {
      const knownHeads = opts.head.map(parseHead);
      const deps = await ctx.deps();
      const result = await deps.audit.verify({
        knownHeads,
        ...(opts.sinceCheckpoint ? { from: 'last-checkpoint' as const } : {}),
      });
      if (!result.ok)
        throw new CliFailure(
          `audit log BROKEN at entry ${result.brokenSeq}: ${result.reason} (${result.entries} entries verified before it)`,
        );
      const since = result.fromCheckpoint
        ? ` (entries ${result.from}-${result.headSeq}, from signed checkpoint ${result.fromCheckpoint})`
        : opts.sinceCheckpoint
          ? ' (no checkpoint yet: walked from entry 1)'
          : '';
      ctx.io.out(`audit log intact: ${result.entries} entries${since}, head ${result.head}\n`);
    });
  audit
    .command('export-head')
    .description('write a signed checkpoint of the head and print it as JSON, to store somewhere write-once')
    .action(async () => {
      const deps = await ctx.deps();
      const head = await deps.audit.recordCheckpoint('export-head');
      if (!head) throw new CliFailure('The audit log is empty: there is no head to export.');
      ctx.io.out(JSON.stringify(head) + '\n');
    });
}

function parseHead(text: string): { seq: number; hash: string } {
  const short = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (short) return { seq: Number(short[1]), hash: short[2] };
  try {
    const j = JSON.parse(text) as { seq?: unknown; hash?: unknown };
    if (Number.isInteger(j.seq) && typeof j.hash === 'string' && /^[0-9a-f]{64}$/.test(j.hash))
      return { seq: j.seq as number, hash: j.hash };
  } catch {
    /* reported below */
  }
  throw new CliFailure(`--head: "${text.slice(0, 80)}" is neither <seq>:<hash> nor the JSON printed by export-head`, 2);
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

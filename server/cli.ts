// `lethe …`: administration from the shell. Each area registers its own commands; commands
// that need the database open it lazily (DATABASE_URL, else the embedded one under
// LETHE_DATA_DIR: the one a running `npm start` uses, or started here and stopped after).
import { Command, CommanderError } from 'commander';
import { loadConfig, ConfigError } from './config';
import { createLogger } from './logger';
import { buildDeps } from './bootstrap';
import { ensureEmbeddedPostgres } from './db/embedded';
import { createDb } from './db/knex';
import { migrateLatest } from './db/migrate';
import type { Deps } from './deps';
import { InvalidBundleError } from './policy-runtime/service';
import { registerPolicyCommands } from './policies/cli';
import { registerAdminCommands } from './admin/cli';
import { registerDemoCommands } from './demo/cli';
import { registerReidCommands } from './reid/cli';
import { registerDatamapCommands } from './datamap/cli';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

/** Thrown by a command for an expected failure: the message is printed, the exit code returned. */
export class CliFailure extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export interface CliContext {
  io: CliIO;
  env: NodeJS.ProcessEnv;
  /** Sets the exit code for a command that reports failure without throwing (policy check). */
  setExitCode(code: number): void;
  /** Opens the full dependencies (database, policies, audit log…); closed when the command ends. */
  deps(): Promise<Deps>;
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('lethe')
    .description('Lethe: data-subject requests, AI governance and audit evidence')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) });

  program
    .command('migrate')
    .description('apply database migrations')
    .action(async () => {
      const deps = await ctx.deps();
      ctx.io.out(`migrations up to date (${(await deps.db('knex_migrations').count({ n: '*' }))[0].n} applied)\n`);
    });

  registerAdminCommands(program, ctx);
  registerDemoCommands(program, ctx);
  registerPolicyCommands(program, {
    out: (line: string) => ctx.io.out(line + '\n'),
    err: (line: string) => ctx.io.err(line + '\n'),
    exit: (code: number) => ctx.setExitCode(code),
  });
  registerReidCommands(
    program,
    { out: (line) => ctx.io.out(line + '\n'), err: (line) => ctx.io.err(line + '\n'), exit: (code) => ctx.setExitCode(code) },
    (name) => ctx.env[name],
  );
  registerDatamapCommands(program, {
    out: { write: (s: string) => ctx.io.out(s) },
    err: { write: (s: string) => ctx.io.err(s) },
  });
  return program;
}

export async function runCli(argv: string[], io: CliIO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }, env = process.env): Promise<number> {
  let deps: Deps | undefined;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let exitCode = 0;
  const ctx: CliContext = {
    io,
    env,
    setExitCode: (code) => {
      exitCode = code;
    },
    async deps() {
      if (deps) return deps;
      const config = loadConfig(env);
      const logger = createLogger(env.LOG_LEVEL ?? 'warn', 'lethe-cli');
      let url = config.databaseUrl;
      if (!url) {
        const embedded = await ensureEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
        url = embedded.url;
        stopEmbedded = embedded.stop;
      }
      const db = createDb(url, 2);
      await migrateLatest(db);
      await db.destroy();
      deps = await buildDeps(config, { databaseUrl: url, logger, migrate: false });
      return deps;
    },
  };
  const program = buildProgram(ctx);
  // The data-map commands report failure through process.exitCode; read it and put it back.
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode || Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliFailure) {
      io.err(err.message.endsWith('\n') ? err.message : err.message + '\n');
      return err.exitCode;
    }
    if (err instanceof ConfigError || err instanceof InvalidBundleError) {
      io.err(err.message + '\n');
      return 1;
    }
    io.err(`lethe: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.exitCode = saved;
    if (deps) {
      await deps.queues.close();
      await deps.db.destroy();
    }
    await stopEmbedded?.();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(await runCli(process.argv.slice(2)));
}

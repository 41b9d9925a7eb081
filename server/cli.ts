// `lethe …`: administration from the shell. One runner and one context (server/cli-context.ts)
// for every command. Each area lists its top-level commands and a loader for their code in its
// commands.ts (its descriptor points there too); the CLI reads them through the light list of
// server/cli-commands.ts, never server/areas.ts (every area's web code), and only the area whose
// command is run is imported, so `lethe --help` and `lethe reid` load no more than they need. Commands that need the database open it lazily (DATABASE_URL, else the embedded one under
// LETHE_DATA_DIR: the one a running `npm start` uses, or started here and stopped after).
import { Command, CommanderError } from 'commander';
import { CliFailure, type CliContext, type CliIO } from './cli-context';
import { processEnv } from './config';
import type { Area } from './area-descriptor';
import { CLI_AREAS, MIGRATE_COMMANDS, type CliArea } from './cli-commands';
import type { Deps } from './deps';

export { CliFailure, type CliContext, type CliIO } from './cli-context';

export type { CliRegister } from './area-descriptor';

export type { CliArea } from './cli-commands';

/** `lethe migrate`, then the commands of a list of areas (tests build a CLI from their own list). */
export function cliAreasOf(areas: readonly Area[]): CliArea[] {
  return [MIGRATE_COMMANDS, ...areas.flatMap((a) => (a.cli ? [{ ...a.cli, area: a.name }] : []))];
}

export const cliAreas: CliArea[] = CLI_AREAS;

/** The command argv runs (`lethe reid …` → reid, `lethe help policy` → policy), if any. */
function commandNamed(argv: string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * The program for argv: the areas that own the command being run are loaded and registered in
 * full; every other command is listed by name and description only. `all` loads every area.
 */
export async function buildProgram(
  ctx: CliContext,
  argv: string[] | 'all',
  areas: CliArea[] = cliAreas,
): Promise<Command> {
  const program = new Command('lethe')
    .description('Lethe: data-subject requests, AI governance and audit evidence')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) });
  const wanted = argv === 'all' ? undefined : commandNamed(argv);
  const listed = new Set<string>();
  for (const area of areas) {
    const names = Object.keys(area.commands);
    if (wanted === undefined ? argv === 'all' : names.includes(wanted)) {
      const before = new Set(program.commands.map((c) => c.name()));
      (await area.load())(program, ctx);
      // The declared names are what a listing shows without loading the area: keep them true.
      const undeclared = program.commands.map((c) => c.name()).filter((n) => !before.has(n) && !names.includes(n));
      if (undeclared.length)
        throw new Error(
          `The ${area.area ?? 'an'} area registers \`lethe ${undeclared.join('`, `lethe ')}\` without declaring it in its descriptor's cli.commands.`,
        );
      for (const name of names) listed.add(name);
    }
  }
  for (const area of areas) {
    for (const [name, description] of Object.entries(area.commands)) {
      if (listed.has(name)) continue;
      listed.add(name);
      program.command(name).description(description);
    }
  }
  return program;
}

export async function runCli(
  argv: string[],
  io: CliIO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
  env = processEnv(),
  input?: AsyncIterable<Buffer | string>,
): Promise<number> {
  let deps: Deps | undefined;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let exitCode = 0;
  const ctx: CliContext = {
    io,
    // Standard input is opened only by a command that reads it.
    get input() {
      return input ?? process.stdin;
    },
    env,
    setExitCode: (code) => {
      exitCode = code;
    },
    async deps() {
      if (deps) return deps;
      const [
        { loadConfig },
        { createLogger },
        { buildDeps },
        { ensureEmbeddedPostgres },
        { createDb },
        { migrateLatest },
      ] = await Promise.all([
        import('./config'),
        import('./logger'),
        import('./bootstrap'),
        import('./db/embedded'),
        import('./db/knex'),
        import('./db/migrate'),
      ]);
      const config = loadConfig(env);
      const logger = createLogger(env.LOG_LEVEL ?? 'warn', 'lethe-cli');
      let url = config.databaseUrl;
      if (!url) {
        const embedded = await ensureEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
        url = embedded.url;
        stopEmbedded = embedded.stop;
      }
      const db = createDb(config.migrationDatabaseUrl ?? url, 2);
      await migrateLatest(db);
      await db.destroy();
      deps = await buildDeps(config, { databaseUrl: url, logger, migrate: false, role: 'cli' });
      return deps;
    },
  };
  try {
    const program = await buildProgram(ctx, argv);
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliFailure) {
      io.err(err.message.endsWith('\n') ? err.message : err.message + '\n');
      return err.exitCode;
    }
    const [{ ConfigError }, { InvalidBundleError }] = await Promise.all([
      import('./config'),
      import('./policy-runtime/service'),
    ]);
    if (err instanceof ConfigError || err instanceof InvalidBundleError) {
      io.err(err.message + '\n');
      return 1;
    }
    io.err(`lethe: ${(err as Error).message}\n`);
    return 1;
  } finally {
    if (deps) {
      await deps.policies.close();
      await deps.queues.close();
      await deps.db.destroy();
    }
    await stopEmbedded?.();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(await runCli(process.argv.slice(2)));
}

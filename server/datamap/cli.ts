// `lethe datamap …` commands, registered by the CLI (server/cli.ts) with the command's context.
import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { FidesImportError, importFides } from './fides-import';
import type { CliContext } from '../cli-context';

export function registerDatamapCommands(program: Command, ctx: CliContext): Command {
  const io = { out: { write: (s: string) => ctx.io.out(s) }, err: { write: (s: string) => ctx.io.err(s) } };
  const datamap =
    program.commands.find((c) => c.name() === 'datamap') ??
    program.command('datamap').description('Work with data maps (policies/datamap/*.yaml)');
  datamap
    .command('import-fides')
    .description('Convert a Fides dataset YAML into a Lethe data-map file, printed on stdout')
    .argument('<file>', 'Fides dataset file (fideslang `dataset:` YAML)')
    .requiredOption('--system <name>', 'name of the Lethe data system (snake_case)')
    .requiredOption('--connection-env <var>', 'environment variable holding the connection string')
    .option('--dataset <fides_key>', 'which dataset to convert when the file holds several')
    .option('--engine <engine>', 'postgres (default) or mysql (MySQL and MariaDB): the engine the system runs on')
    .action(
      async (file: string, opts: { system: string; connectionEnv: string; dataset?: string; engine?: string }) => {
        let text: string;
        try {
          text = await fs.readFile(file, 'utf8');
        } catch (err) {
          io.err.write(
            `lethe datamap import-fides: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`,
          );
          ctx.setExitCode(1);
          return;
        }
        try {
          const result = importFides(text, { ...opts, file });
          for (const w of result.warnings) io.err.write(`warning: ${w}\n`);
          io.out.write(result.yaml);
        } catch (err) {
          if (!(err instanceof FidesImportError)) throw err;
          io.err.write(`lethe datamap import-fides: ${file}: ${err.message}\n`);
          ctx.setExitCode(1);
        }
      },
    );
  return datamap;
}

// `lethe datamap …` commands. Registered by the lead's CLI (server/cli.ts) with
// registerDatamapCommands(program); output goes to the given streams so tests can capture it.
import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { FidesImportError, importFides } from './fides-import';

export interface CliIo {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
}

export function registerDatamapCommands(program: Command, io: CliIo = { out: process.stdout, err: process.stderr }): Command {
  const datamap = program.commands.find((c) => c.name() === 'datamap') ?? program.command('datamap').description('Work with data maps (policies/datamap/*.yaml)');
  datamap
    .command('import-fides')
    .description('Convert a Fides dataset YAML into a Lethe data-map file, printed on stdout')
    .argument('<file>', 'Fides dataset file (fideslang `dataset:` YAML)')
    .requiredOption('--system <name>', 'name of the Lethe data system (snake_case)')
    .requiredOption('--connection-env <var>', 'environment variable holding the connection string')
    .option('--dataset <fides_key>', 'which dataset to convert when the file holds several')
    .action(async (file: string, opts: { system: string; connectionEnv: string; dataset?: string }) => {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (err) {
        io.err.write(`lethe datamap import-fides: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      try {
        const result = importFides(text, opts);
        for (const w of result.warnings) io.err.write(`warning: ${w}\n`);
        io.out.write(result.yaml);
      } catch (err) {
        if (!(err instanceof FidesImportError)) throw err;
        io.err.write(`lethe datamap import-fides: ${file}: ${err.message}\n`);
        process.exitCode = 1;
      }
    });
  return datamap;
}

// The CLI's list of commands, light enough for `lethe --help`: the `migrate` command, then each
// area's commands (server/<area>/cli-entry.ts) in the order of server/areas.ts. The area descriptors
// point at the same objects; test/cli/lazy.test.ts fails when this list and server/areas.ts disagree,
// and when the CLI's imports reach server/areas.ts (every area's web code) again.
import type { AreaCommands } from './area-descriptor';
import { adminCommands } from './admin/cli-entry';
import { anonymizeCommands } from './anonymize/cli-entry';
import { auditsCommands } from './audits/cli-entry';
import { datamapCommands } from './datamap/cli-entry';
import { demoCommands } from './demo/cli-entry';
import { keysCommands } from './keys/cli-entry';
import { policiesCommands } from './policies-ui/cli-entry';
import { reidCommands } from './reid/cli-entry';
import { reportsCommands } from './reports/cli-entry';
import { systemsCommands } from './systems/cli-entry';
import { trainingCommands } from './training/cli-entry';
import { useCasesCommands } from './use-cases/cli-entry';

/** One area's commands: their names and one-line descriptions (shown without loading the area) and the loader. */
export type CliArea = AreaCommands & { area?: string };

export const MIGRATE_COMMANDS: CliArea = {
  commands: { migrate: 'apply database migrations' },
  load: async () => (await import('./db/cli')).registerDbCommands,
};

/** Every command `lethe` offers, in the order `lethe --help` lists them. */
export const CLI_AREAS: CliArea[] = [
  MIGRATE_COMMANDS,
  { ...reidCommands, area: 'reid' },
  { ...useCasesCommands, area: 'use-cases' },
  { ...trainingCommands, area: 'training' },
  { ...anonymizeCommands, area: 'anonymize' },
  { ...auditsCommands, area: 'audits' },
  { ...reportsCommands, area: 'reports' },
  { ...policiesCommands, area: 'policies' },
  { ...systemsCommands, area: 'systems' },
  { ...adminCommands, area: 'admin' },
  { ...keysCommands, area: 'keys' },
  { ...demoCommands, area: 'demo' },
  { ...datamapCommands, area: 'datamap' },
];

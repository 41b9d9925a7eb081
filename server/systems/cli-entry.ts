// The `lethe …` commands of this area: names and one-line descriptions, listed without loading the
// area, and the loader of the code that registers them. The area's descriptor (area.ts) and the
// CLI's light list (server/cli-commands.ts) both point here, so `lethe --help` imports no web code.
import type { AreaCommands } from '../area-descriptor';

export const systemsCommands: AreaCommands = {
  commands: { systems: "the registered data systems: the Systems page's checks" },
  load: async () => (await import('./cli')).registerSystemsCommands,
};

// The `lethe …` commands of this area: names and one-line descriptions, listed without loading the
// area, and the loader of the code that registers them. The area's descriptor (area.ts) and the
// CLI's light list (server/cli-commands.ts) both point here, so `lethe --help` imports no web code.
import type { AreaCommands } from '../area-descriptor';

export const auditsCommands: AreaCommands = {
  commands: { audit: 'audit-log tools' },
  load: async () => (await import('./cli')).registerAuditCommands,
};

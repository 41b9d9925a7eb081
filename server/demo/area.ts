// `lethe seed` and `lethe demo`: the demo company's data and logins.
import type { Area } from '../area-descriptor';

export const demoArea: Area = {
  name: 'demo',
  cli: {
    commands: { seed: 'seed data', demo: 'demo helpers (refused in production)' },
    load: async () => (await import('./cli')).registerDemoCommands,
  },
};

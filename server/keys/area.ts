// `lethe keys`: key rotation.
import type { Area } from '../area-descriptor';

export const keysArea: Area = {
  name: 'keys',
  cli: {
    commands: { keys: 'the keys derived from LETHE_SECRET_KEY, and rotation' },
    load: async () => (await import('./cli')).registerKeyCommands,
  },
};

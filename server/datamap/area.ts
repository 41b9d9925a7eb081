// `lethe datamap`: check the data-map files, import a Fides map.
import type { Area } from '../area-descriptor';

export const datamapArea: Area = {
  name: 'datamap',
  cli: {
    commands: { datamap: 'Work with data maps (policies/datamap/*.yaml)' },
    load: async () => (await import('./cli')).registerDatamapCommands,
  },
};

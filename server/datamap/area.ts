// `lethe datamap`: check the data-map files, import a Fides map.
import type { Area } from '../area-descriptor';
import { datamapCommands } from './cli-entry';

export const datamapArea: Area = {
  name: 'datamap',
  cli: datamapCommands,
};

// `lethe seed` and `lethe demo`: the demo company's data and logins.
import type { Area } from '../area-descriptor';
import { demoCommands } from './cli-entry';

export const demoArea: Area = {
  name: 'demo',
  cli: demoCommands,
};

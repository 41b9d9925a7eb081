// `lethe keys`: key rotation.
import type { Area } from '../area-descriptor';
import { keysCommands } from './cli-entry';

export const keysArea: Area = {
  name: 'keys',
  cli: keysCommands,
};

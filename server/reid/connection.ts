// Where a registered data system's connection string comes from: the environment variable its
// data map entry names (the map never holds the string itself). One small function, so the app
// can route it through server/config.ts (Config.systemUrl) while the CLI reads the environment.
import type { DataSystem } from '../policies/types';
import { ReidInputError } from './errors';
import { envVar } from '../config';

export type EnvLookup = (name: string) => string | undefined;

export function systemConnectionUrl(system: DataSystem, lookup: EnvLookup = envVar): string {
  const url = lookup(system.connectionEnv);
  if (!url) {
    throw new ReidInputError(
      'bad_option',
      `data system ${system.name}: set ${system.connectionEnv} to its connection string`,
    );
  }
  return url;
}

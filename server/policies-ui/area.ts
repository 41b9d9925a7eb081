// The policy bundle: its pages, `lethe policy check|test|explain` and `lethe policy reload`
// (registered after `policy`, which it extends).
import type { Area } from '../area-descriptor';
import { policiesCommands } from './cli-entry';
import { policiesRoutes } from './routes';

export const policiesArea: Area = {
  name: 'policies',
  web: [policiesRoutes],
  nav: [{ href: '/policies', label: 'Policies', action: 'read', resource: 'policy' }],
  cli: policiesCommands,
};

// Registered data systems: the Systems check page.
import type { Area } from '../area-descriptor';
import { systemsRoutes } from './routes';
import { systemsCommands } from './cli-entry';

export const systemsArea: Area = {
  name: 'systems',
  web: [systemsRoutes],
  nav: [{ href: '/systems', label: 'Systems', action: 'read', resource: 'system' }],
  cli: systemsCommands,
};

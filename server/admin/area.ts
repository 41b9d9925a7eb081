// Users and API tokens: pages and `lethe user|token|db|audit`.
import type { Area } from '../area-descriptor';
import { adminCommands } from './cli-entry';
import { adminRoutes } from './routes';

export const adminArea: Area = {
  name: 'admin',
  web: [adminRoutes],
  nav: [
    { href: '/admin/users', label: 'Users', action: 'read', resource: 'user' },
    { href: '/admin/tokens', label: 'API tokens', action: 'read', resource: 'token' },
  ],
  cli: adminCommands,
};

// Users and API tokens: pages and `lethe user|token|db|audit`.
import type { Area } from '../area-descriptor';
import { adminRoutes } from './routes';

export const adminArea: Area = {
  name: 'admin',
  web: [adminRoutes],
  nav: [
    { href: '/admin/users', label: 'Users', action: 'read', resource: 'user' },
    { href: '/admin/tokens', label: 'API tokens', action: 'read', resource: 'token' },
  ],
  cli: {
    commands: {
      user: 'manage users',
      token: 'manage API tokens',
      db: 'database administration',
      audit: 'audit-log tools',
    },
    load: async () => (await import('./cli')).registerAdminCommands,
  },
};

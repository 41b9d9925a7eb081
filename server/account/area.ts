// A person's own API tokens.
import type { Area } from '../area-descriptor';
import { accountRoutes } from './routes';

export const accountArea: Area = {
  name: 'account',
  web: [accountRoutes],
  nav: [{ href: '/account/tokens', label: 'My API tokens', action: 'create', resource: 'token' }],
};

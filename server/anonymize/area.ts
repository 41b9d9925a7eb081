// Anonymization: the page and job over a data map table, and `lethe anonymize`: generalize and suppress a CSV until it meets the privacy models.
import type { Area } from '../area-descriptor';
import { anonymizeRoutes } from './routes';

export const anonymizeArea: Area = {
  name: 'anonymize',
  web: [anonymizeRoutes],
  nav: [{ href: '/anonymize', label: 'Anonymization', action: 'read', resource: 'anonymization' }],
  cli: {
    commands: {
      anonymize:
        'generalize and suppress a CSV until it meets the privacy models (default: the release policy), least information loss first',
    },
    load: async () => (await import('./cli')).registerAnonymizeCommands,
  },
};

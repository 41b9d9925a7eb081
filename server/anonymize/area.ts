// Anonymization: the page and job over a data map table, and `lethe anonymize`: generalize and suppress a CSV until it meets the privacy models.
import type { Area } from '../area-descriptor';
import { anonymizeCommands } from './cli-entry';
import { anonymizeRoutes } from './routes';

export const anonymizeArea: Area = {
  name: 'anonymize',
  web: [anonymizeRoutes],
  nav: [{ href: '/anonymize', label: 'Anonymization', action: 'read', resource: 'anonymization' }],
  cli: anonymizeCommands,
};

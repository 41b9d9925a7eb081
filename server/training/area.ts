// Training data: snapshots, bias checks, lineage, and the consent ledger (its CSV import is an
// upload); `lethe consent|training`.
import type { Area } from '../area-descriptor';
import { trainingCommands } from './cli-entry';
import { consentRoutes } from './consent-routes';
import { trainingRoutes } from './routes';
import { trainingApi } from './api';

export const trainingArea: Area = {
  name: 'training',
  web: [consentRoutes, trainingRoutes],
  api: trainingApi,
  nav: [
    { href: '/training', label: 'Training data', action: 'read', resource: 'training' },
    { href: '/consent', label: 'Consent', action: 'read', resource: 'consent' },
  ],
  uploads: { signedIn: ['/consent/import'] },
  cli: trainingCommands,
};

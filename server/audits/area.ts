// Periodic audits and what they find: the findings board and audit runs (pages and API), the
// audit job, and `lethe audit run KIND [--dry-run]` (beside admin's `lethe audit verify-log`).
import type { Area } from '../area-descriptor';
import { auditsCommands } from './cli-entry';
import { auditsRoutes } from './routes';
import { auditsApi } from './api';

export const auditsArea: Area = {
  name: 'audits',
  web: [auditsRoutes],
  api: auditsApi,
  nav: [{ href: '/findings', label: 'Findings', action: 'read', resource: 'finding' }],
  cli: auditsCommands,
};

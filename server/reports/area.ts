// Signed reports: pages, the public /verify upload, API, panels, `lethe report` and the report job.
import type { Area } from '../area-descriptor';
import { reportsCommands } from './cli-entry';
import { reportsRoutes } from './routes';
import { reportsApi } from './api';
import { reportsPanel, requestStatisticsPanel } from './panels';

export const reportsArea: Area = {
  name: 'reports',
  web: [reportsRoutes],
  api: reportsApi,
  nav: [{ href: '/reports', label: 'Reports', action: 'read', resource: 'report' }],
  panels: [reportsPanel, requestStatisticsPanel],
  uploads: { public: ['/verify'] },
  cli: reportsCommands,
};

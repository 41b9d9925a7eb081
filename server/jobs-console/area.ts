// The job console: counts per queue, running jobs with progress, recent failures; retry and discard.
import type { Area } from '../area-descriptor';
import { jobsConsoleRoutes } from './routes';

export const jobsConsoleArea: Area = {
  name: 'jobs-console',
  web: [jobsConsoleRoutes],
  nav: [{ href: '/jobs', label: 'Jobs', action: 'read', resource: 'job' }],
};

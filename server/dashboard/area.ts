// The dashboard: its page shows the panels of every area (AppShape.panels); its own panels
// report on the policy bundle, the audit log and the job queues.
import type { Area } from '../area-descriptor';
import { dashboardRoutes } from './routes';
import { auditLogPanel, jobsPanel, policyBundlePanel } from './panels';

export const dashboardArea: Area = {
  name: 'dashboard',
  web: [dashboardRoutes],
  nav: [{ href: '/', label: 'Dashboard', action: 'read', resource: 'dashboard' }],
  panels: [policyBundlePanel, auditLogPanel, jobsPanel],
};

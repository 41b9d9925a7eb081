// The audit log's page and CSV export (`lethe audit verify-log` is an admin command).
import type { Area } from '../area-descriptor';
import { auditLogRoutes } from './routes';

export const auditLogArea: Area = {
  name: 'audit-log',
  web: [auditLogRoutes],
  nav: [{ href: '/audit-log', label: 'Audit log', action: 'read', resource: 'audit_log' }],
};

// The list of areas the app is built from. A new area adds its router here and nowhere else.
import type { Router } from 'express';
import type { Deps } from './deps';
import type { RouteSpec } from './http/guard';
import type { ApiArea } from './api/routes';
import { authRoutes } from './auth/routes';
import { dashboardRoutes } from './dashboard/routes';
import { auditLogRoutes } from './audit-log/routes';
import { adminRoutes } from './admin/routes';
import { requestRoutes } from './requests/routes';
import { policiesRoutes } from './policies-ui/routes';
import { systemsRoutes } from './systems/routes';
import { requestsApi } from './requests/api';
import { registerPanel } from './dashboard/panels';
import { aiArtefactsPanel, urgentRequestsPanel } from './requests/panels';

export const webAreas: ((deps: Deps, registry: RouteSpec[]) => Router)[] = [authRoutes, dashboardRoutes, requestRoutes, auditLogRoutes, adminRoutes, policiesRoutes, systemsRoutes];

export const apiAreas: ApiArea[] = [requestsApi];

registerPanel(urgentRequestsPanel);
registerPanel(aiArtefactsPanel);

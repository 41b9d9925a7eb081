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
import { reidRoutes } from './reid/routes';
import { datasetRoutes } from './reid/datasets-routes';
import { blockedDatasetsPanel } from './reid/panels';
import { reidApi } from './reid/api';

export const webAreas: ((deps: Deps, registry: RouteSpec[]) => Router)[] = [authRoutes, dashboardRoutes, requestRoutes, auditLogRoutes, adminRoutes, policiesRoutes, systemsRoutes, datasetRoutes, reidRoutes];

export const apiAreas: ApiArea[] = [requestsApi, reidApi];

registerPanel(urgentRequestsPanel);
registerPanel(aiArtefactsPanel);
registerPanel(blockedDatasetsPanel);

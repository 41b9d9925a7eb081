// Data-subject requests: pages, API, the urgent / AI-artefact / held-remainder panels, and
// the erasure and access-export jobs.
import type { Area } from '../area-descriptor';
import { requestRoutes } from './routes';
import { queueRoutes } from './queue-routes';
import { requestsApi } from './api';
import { aiArtefactsPanel, heldRemaindersPanel, myRequestsPanel, urgentRequestsPanel } from './panels';

export const requestsArea: Area = {
  name: 'requests',
  web: [queueRoutes, requestRoutes],
  api: requestsApi,
  nav: [{ href: '/requests', label: 'Requests', action: 'read', resource: 'request' }],
  panels: [myRequestsPanel, urgentRequestsPanel, aiArtefactsPanel, heldRemaindersPanel],
};

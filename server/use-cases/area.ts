// AI use cases: registry, review board and packets; the board panel, `lethe use-case` and the
// board-packet job.
import type { Area } from '../area-descriptor';
import { useCasesCommands } from './cli-entry';
import { packetRoutes } from './packet-routes';
import { useCaseRoutes } from './routes';
import { useCaseReviewRoutes } from './review-routes';
import { useCasesApi } from './api';
import { boardPanel } from './panels';

export const useCasesArea: Area = {
  name: 'use-cases',
  web: [packetRoutes, useCaseRoutes, useCaseReviewRoutes],
  api: useCasesApi,
  nav: [{ href: '/use-cases', label: 'AI use cases', action: 'read', resource: 'use_case' }],
  panels: [boardPanel],
  cli: useCasesCommands,
};

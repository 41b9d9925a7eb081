// Datasets and re-identification tests: pages (the upload form at /reid), API, the blocked
// datasets panel, `lethe reid` and the reid job.
import type { Area } from '../area-descriptor';
import { reidCommands } from './cli-entry';
import { datasetRoutes } from './datasets-routes';
import { reidRoutes } from './routes';
import { reidApi } from './api';
import { blockedDatasetsPanel } from './panels';

export const reidArea: Area = {
  name: 'reid',
  web: [datasetRoutes, reidRoutes],
  api: reidApi,
  nav: [{ href: '/datasets', label: 'Datasets', action: 'read', resource: 'dataset' }],
  panels: [blockedDatasetsPanel],
  uploads: { signedIn: ['/reid'] },
  cli: reidCommands,
};

// The list of areas the processes are built from: the web app's routers, the API, the
// navigation (in this order), the dashboard panels, the upload paths, the CLI commands and
// the worker's job kinds (see server/area-descriptor.ts). A new area is a folder with an
// `area.ts` descriptor and one entry here. Job code lives in jobs/ (only process wiring such
// as this file imports it), so an area's jobs are attached to its entry here.
import type { Area } from './area-descriptor';
import { authArea } from './auth/area';
import { dashboardArea } from './dashboard/area';
import { requestsArea } from './requests/area';
import { reidArea } from './reid/area';
import { useCasesArea } from './use-cases/area';
import { trainingArea } from './training/area';
import { reportsArea } from './reports/area';
import { auditLogArea } from './audit-log/area';
import { policiesArea } from './policies-ui/area';
import { systemsArea } from './systems/area';
import { adminArea } from './admin/area';
import { accountArea } from './account/area';
import { keysArea } from './keys/area';
import { demoArea } from './demo/area';
import { datamapArea } from './datamap/area';
import { anonymizeArea } from './anonymize/area';
import { auditsArea } from './audits/area';
import { jobsConsoleArea } from './jobs-console/area';
import { privacyCenterArea } from './privacy-center/area';
import { erasureJob } from '../jobs/erasure';
import { accessExportJob } from '../jobs/access-export';
import { reidJob } from '../jobs/reid';
import { boardPacketJob } from '../jobs/board-packet';
import { reportJob } from '../jobs/report';
import { auditJob } from '../jobs/audit';
import { anonymizeJob } from '../jobs/anonymize';
import { alertJob } from '../jobs/alert';

export const AREAS: readonly Area[] = [
  authArea,
  dashboardArea,
  { ...requestsArea, jobs: [erasureJob, accessExportJob] },
  { ...reidArea, jobs: [reidJob] },
  { ...useCasesArea, jobs: [boardPacketJob] },
  trainingArea,
  { ...anonymizeArea, jobs: [anonymizeJob] },
  // Periodic audits (policies/schedules.yaml), their findings and the alerts (policies/alerts.yaml).
  { ...auditsArea, jobs: [auditJob, alertJob] },
  { ...reportsArea, jobs: [reportJob] },
  auditLogArea,
  policiesArea,
  systemsArea,
  jobsConsoleArea,
  adminArea,
  accountArea,
  keysArea,
  demoArea,
  datamapArea,
  privacyCenterArea,
];

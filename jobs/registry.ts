// The one map from job kind to its definition.
import type { JobKind } from './queues';
import type { JobDefinition } from './job';
import { auditJob } from './audit';
import { erasureJob } from './erasure';
import { accessExportJob } from './access-export';
import { reidJob } from './reid';

// Handlers are typed by their own payloads; the registry erases that to the common shape.
type AnyJob = JobDefinition<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const JOBS: Partial<Record<JobKind, AnyJob>> = {
  audit: auditJob,
  erasure: erasureJob,
  'access-export': accessExportJob,
  reid: reidJob,
};

export const registerJob = (def: AnyJob) => {
  JOBS[def.kind] = def;
};

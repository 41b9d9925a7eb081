// The one map from job kind to its definition, built from the areas' descriptors (`jobs`).
import type { JobKind } from './queues';
import type { JobDefinition } from './job';
import { AREAS } from '../server/areas';
import { jobsOf } from '../server/area-descriptor';

// Handlers are typed by their own payloads; the registry erases that to the common shape.
type AnyJob = JobDefinition<any>;

export const JOBS: Partial<Record<JobKind, AnyJob>> = Object.fromEntries(jobsOf(AREAS));

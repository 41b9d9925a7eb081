// The areas' services, built once per process (per `Deps`) on first use and shared by every
// router, API, CLI command and job that needs them, instead of each caller building its own.
import type { Deps } from './deps';
import { createRequestService } from './requests/service';
import { createAssignmentService } from './requests/assignment';
import { createReidService } from './reid/service';
import { createUseCaseService } from './use-cases/service';
import { createReviewService } from './use-cases/review';
import { createSnapshotService } from './training/snapshot';
import { createBiasService } from './training/bias-service';

export interface Services {
  requests: ReturnType<typeof createRequestService>;
  assignments: ReturnType<typeof createAssignmentService>;
  reid: ReturnType<typeof createReidService>;
  useCases: ReturnType<typeof createUseCaseService>;
  reviews: ReturnType<typeof createReviewService>;
  snapshots: ReturnType<typeof createSnapshotService>;
  bias: ReturnType<typeof createBiasService>;
}

const built = new WeakMap<Deps, Services>();

export function services(deps: Deps): Services {
  let s = built.get(deps);
  if (!s) {
    const useCases = createUseCaseService(deps);
    s = {
      requests: createRequestService(deps),
      assignments: createAssignmentService(deps),
      reid: createReidService(deps),
      useCases,
      reviews: createReviewService(deps, useCases),
      snapshots: createSnapshotService(deps),
      bias: createBiasService(deps),
    };
    built.set(deps, s);
  }
  return s;
}

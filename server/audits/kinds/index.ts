// Audit kind -> handler. Typed by the registry (policies/audit-kinds.ts): a kind without a
// handler, or a handler for a kind the schedules schema would reject, does not compile.
import type { AuditKind } from '../../policies/audit-kinds';
import type { AuditKindHandler } from '../types';
import { overdueRequests } from './overdue-requests';
import { retentionSweep } from './retention-sweep';
import { reidSnapshots } from './reid-snapshots';
import { useCaseTriggers } from './use-case-triggers';
import { auditLogChain } from './audit-log-chain';
import { accessReview } from './access-review';
import { datamapDrift } from './datamap-drift';
import { releasedDatasets } from './released-datasets';
import { models } from './models';
import { policyChange } from './policy-change';

export const AUDIT_HANDLERS: Record<AuditKind, AuditKindHandler> = {
  audit_log_chain: auditLogChain,
  overdue_requests: overdueRequests,
  retention_sweep: retentionSweep,
  reid_snapshots: reidSnapshots,
  use_case_triggers: useCaseTriggers,
  access_review: accessReview,
  datamap_drift: datamapDrift,
  released_datasets: releasedDatasets,
  models,
  policy_change: policyChange,
};

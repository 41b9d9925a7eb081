// How findings and runs read in JSON (the API) and on the board.
import { AUDIT_KIND_INFO, isAuditKind } from '../policies/audit-kinds';
import { isoDay } from './csv';
import type { FindingRow } from './findings';
import type { AuditRunRow } from './runs';
import { actionsFor } from './commands';

export const kindTitle = (kind: string) => (isAuditKind(kind) ? AUDIT_KIND_INFO[kind].title : kind);

export const findingJson = (f: FindingRow) => ({
  id: f.id,
  kind: f.kind,
  severity: f.severity,
  status: f.status,
  title: f.title,
  detail: f.detail,
  evidence: f.evidence,
  owner: f.owner,
  justification: f.justification,
  acceptedUntil: f.accepted_until ? isoDay(f.accepted_until) : null,
  occurrences: f.occurrences,
  reopened: f.reopened,
  firstSeenAt: f.first_seen_at,
  lastSeenAt: f.last_seen_at,
  firstRunId: f.first_run_id,
  lastRunId: f.last_run_id,
  actions: actionsFor(f.status),
});

export const runJson = (r: AuditRunRow) => ({
  id: r.id,
  kind: r.kind,
  schedule: r.schedule,
  tickAt: r.tick_at,
  jobId: r.job_id,
  bundleHash: r.bundle_hash,
  dryRun: r.dry_run,
  status: r.status,
  summary: r.summary,
  findingsOpened: r.findings_opened,
  findingsSeen: r.findings_seen,
  error: r.error,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

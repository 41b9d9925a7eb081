// The shape every audit kind shares: it reads state, returns a summary and the findings it saw.
import type { Deps } from '../deps';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (s: Severity) => SEVERITIES.indexOf(s) + 1;

export const FINDING_STATUSES = ['open', 'acknowledged', 'remediated', 'risk_accepted'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** A problem an audit saw. `key` names the problem within its kind: seen again, it is the same finding. */
export interface FindingInput {
  key: string;
  severity: Severity;
  title: string;
  detail?: string;
  /** Links to the evidence: ids and paths, never personal data. */
  evidence?: { label: string; href?: string }[];
}

export interface AuditContext {
  deps: Deps;
  runId: string;
  dryRun: boolean;
  progress(percent: number, label?: string): Promise<void>;
}

export interface AuditOutcome {
  ok: boolean;
  /** What the run measured or did; kept on the run and in its audit entry (ids and counts only). */
  summary: Record<string, unknown>;
  findings: FindingInput[];
  /**
   * Which keys this run looked at. A finding of the kind under such a key that the run did not see
   * again (open or acknowledged) is marked remediated by the audit: the problem is gone. Kinds that
   * leave it out keep their findings until an officer moves them. A key the run could not look at
   * (an unreachable system) must not be covered, or its finding would close unseen.
   */
  covers?: (key: string) => boolean;
}

export interface AuditKindHandler {
  run(ctx: AuditContext): Promise<AuditOutcome>;
  /** A kind that changes nothing, or can be told not to, offers `--dry-run`. */
  dryRun: boolean;
}

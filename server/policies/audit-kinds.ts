// The one registry of audit kinds. The schedules schema accepts exactly these names, the audit
// job maps each to its handler (jobs/audits/index.ts, typed so a kind without a handler, or a
// handler for an unknown kind, does not compile), and the findings board titles them from here.
// It lives beside the policy schemas because it is part of the bundle's vocabulary: the policy
// engine must not import the audits area or the jobs to validate a schedule.
export const AUDIT_KIND_INFO = {
  audit_log_chain: { title: 'Audit-log chain', description: 'Re-walks the hash chain of the audit log; a break is a critical finding.' },
  overdue_requests: { title: 'Overdue requests', description: 'Data-subject requests past their legal deadline or close to it.' },
  retention_sweep: { title: 'Retention sweep', description: 'Deletes or anonymizes what retention.yaml says is past its period; legal holds are skipped.' },
  reid_snapshots: { title: 'Training snapshots re-measured', description: 'Starts a fresh re-identification run for every training snapshot.' },
  access_review: { title: 'Access review', description: 'Users per role, people in a role that requires MFA without it, unused accounts, stale or old API tokens.' },
  use_case_triggers: { title: 'AI use-case re-review triggers', description: 'Sends AI use cases back to the board when a re-review trigger fired.' },
  datamap_drift: { title: 'Data-map drift', description: 'Columns the data map does not cover, and mapped columns whose sampled values look like identifiers of a category they are not labelled with.' },
  released_datasets: { title: 'Released datasets re-tested', description: 'Re-runs the last re-identification test of every released dataset against the current thresholds.' },
  models: { title: 'Models overdue for retraining', description: 'Models flagged for retraining after an erasure whose retrain-by date passed.' },
  policy_change: { title: 'Unapproved policy bundle', description: 'The active policy bundle is not one a second person approved.' },
} as const satisfies Record<string, { title: string; description: string }>;

export type AuditKind = keyof typeof AUDIT_KIND_INFO;
export const AUDIT_KINDS = Object.keys(AUDIT_KIND_INFO) as [AuditKind, ...AuditKind[]];
export const isAuditKind = (s: string): s is AuditKind => Object.hasOwn(AUDIT_KIND_INFO, s);

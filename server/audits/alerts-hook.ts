// Called after a run's findings are committed: what the run opened (or reopened) becomes alerts as
// policies/alerts.yaml routes them. The chain audit and the overdue-requests audit raise their own
// events too; requests at risk come from the overdue audit's summary (they are not findings yet).
import type { Deps } from '../deps';
import type { AuditRunRow } from './runs';
import type { RecordedFinding } from './findings';
import { raiseAlertSafely } from '../notify/alerts';
import { paths } from '../http/paths';

export async function alertOnRun(deps: Deps, run: AuditRunRow, findings: RecordedFinding[]): Promise<void> {
  if (run.dry_run) return;
  for (const f of findings) {
    if (f.change === 'seen') continue;
    const links = [
      { label: 'finding', href: paths.findings.show(f.id) },
      { label: 'audit run', href: paths.findings.auditRun(run.id) },
    ];
    // A reopened finding is a new occurrence of the problem: its key names the reopening.
    const key = f.change === 'reopened' ? `${f.id}:reopened:${run.id}` : f.id;
    await raiseAlertSafely(deps, { event: 'finding.opened', key, severity: f.severity, title: f.title, links });
    if (f.kind === 'audit_log_chain')
      await raiseAlertSafely(deps, {
        event: 'audit_log.chain_broken',
        key,
        severity: f.severity,
        title: f.title,
        links,
      });
    if (f.kind === 'overdue_requests')
      await raiseAlertSafely(deps, { event: 'request.overdue', key, severity: f.severity, title: f.title, links });
  }
  if (run.kind === 'overdue_requests') {
    const atRisk = (run.summary.atRisk ?? []) as { id: string; dueAt: string }[];
    for (const r of atRisk)
      await raiseAlertSafely(deps, {
        event: 'request.at_risk',
        key: `request:${r.id}`,
        title: `Request ${String(r.id).slice(0, 8)} is due ${new Date(r.dueAt).toISOString().slice(0, 10)}`,
        links: [{ label: 'request', href: paths.requests.show(r.id) }],
      });
  }
}

// Called after a run's findings are committed: what the run opened (or reopened) becomes alerts as
// policies/alerts.yaml routes them. The chain audit and the overdue-requests audit raise their own
// events too; requests at risk come from the overdue audit's summary (they are not findings yet).
// The run owes these alerts from the moment its findings commit (`alert_findings`); once every one
// is recorded in the delivery log the run is marked raised. A worker that dies in between leaves the
// run owing, and its retry or the reconciler (raiseOwedAlerts) raises them: every alert key names
// the problem (or the reopening run), so raising twice delivers once.
import type { Deps } from '../deps';
import { alertIntents, runsOwingAlerts, type AuditRunRow } from './runs';
import type { RecordedFinding } from './findings';
import { raiseAlert, type Alert } from '../notify/alerts';
import { paths } from '../http/paths';

function alertsFor(run: AuditRunRow, findings: RecordedFinding[]): Alert[] {
  const out: Alert[] = [];
  for (const f of findings) {
    if (f.change === 'seen') continue;
    const links = [
      { label: 'finding', href: paths.findings.show(f.id) },
      { label: 'audit run', href: paths.findings.auditRun(run.id) },
    ];
    // A reopened finding is a new occurrence of the problem: its key names the reopening.
    const key = f.change === 'reopened' ? `${f.id}:reopened:${run.id}` : f.id;
    out.push({ event: 'finding.opened', key, severity: f.severity, title: f.title, links });
    if (f.kind === 'audit_log_chain')
      out.push({ event: 'audit_log.chain_broken', key, severity: f.severity, title: f.title, links });
    if (f.kind === 'overdue_requests')
      out.push({ event: 'request.overdue', key, severity: f.severity, title: f.title, links });
  }
  if (run.kind === 'overdue_requests') {
    const atRisk = (run.summary.atRisk ?? []) as { id: string; dueAt: string }[];
    for (const r of atRisk)
      out.push({
        event: 'request.at_risk',
        key: `request:${r.id}`,
        title: `Request ${String(r.id).slice(0, 8)} is due ${new Date(r.dueAt).toISOString().slice(0, 10)}`,
        links: [{ label: 'request', href: paths.requests.show(r.id) }],
      });
  }
  return out;
}

/** Raises the run's alerts, then marks them raised; throws (leaving the run owing) if one cannot be recorded. */
export async function alertOnRun(deps: Deps, run: AuditRunRow, findings: RecordedFinding[]): Promise<void> {
  if (run.dry_run) return;
  for (const alert of alertsFor(run, findings)) await raiseAlert(deps, alert);
  await deps
    .db('audit_runs')
    .where({ id: run.id })
    .whereNull('alerts_raised_at')
    .update({ alerts_raised_at: deps.db.fn.now() });
}

/** The reconciler's pass: finished runs still owing their alerts get them raised (each run on its own). */
export async function raiseOwedAlerts(deps: Deps): Promise<number> {
  let raised = 0;
  for (const run of await runsOwingAlerts(deps)) {
    try {
      await alertOnRun(deps, run, await alertIntents(deps, run));
      raised++;
      deps.logger.info({ event: 'audit.alerts.recovered', runId: run.id }, 'alerts of a finished run raised');
    } catch (err) {
      deps.logger.error(
        { event: 'audit.alerts.recover_failed', runId: run.id, error: (err as Error).message },
        'alerts of a finished run not raised',
      );
    }
  }
  return raised;
}

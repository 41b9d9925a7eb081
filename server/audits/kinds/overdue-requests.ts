// Hourly: data-subject requests past their deadline or about to miss it (GDPR Art. 12(3),
// CCPA regs §7021, LGPD Art. 19). Each overdue request is a high finding until it closes.
import type { AuditKindHandler } from '../types';
import { OPEN_STATUSES, atRiskBefore, atRiskDays } from '../../requests';
import { paths } from '../../http/paths';

export const overdueRequests: AuditKindHandler = {
  dryRun: true,
  async run({ deps }) {
    const now = new Date();
    // At risk: due within the bundle's window (retention.yaml requests.at_risk_days, default 7).
    const soon = atRiskBefore(now, atRiskDays(deps.policies.current()));
    const rows = await deps
      .db('requests')
      .whereIn('status', OPEN_STATUSES)
      .andWhere('due_at', '<', soon)
      .select('id', 'due_at', 'regulation', 'status');
    const overdue = rows.filter((r) => r.due_at < now);
    return {
      ok: overdue.length === 0,
      summary: {
        overdue: overdue.map((r) => ({ id: r.id, dueAt: r.due_at, regulation: r.regulation, status: r.status })),
        atRisk: rows.filter((r) => r.due_at >= now).map((r) => ({ id: r.id, dueAt: r.due_at })),
      },
      findings: overdue.map((r) => ({
        key: `request:${r.id}`,
        severity: 'high' as const,
        title: `Request ${String(r.id).slice(0, 8)} is past its ${String(r.regulation).toUpperCase()} deadline`,
        detail: `Due ${new Date(r.due_at).toISOString().slice(0, 10)}, status ${r.status}.`,
        evidence: [{ label: `request ${r.id}`, href: paths.requests.show(r.id) }],
      })),
    };
  },
};

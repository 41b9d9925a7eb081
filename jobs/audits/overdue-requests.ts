// Hourly: data-subject requests past their deadline or about to miss it (GDPR Art. 12(3),
// CCPA regs §7021, LGPD Art. 19). A non-empty overdue list fails the audit.
import type { JobContext } from '../job';
import { OPEN_STATUSES } from '../../server/requests/queries';

const AT_RISK_DAYS = 7;

export async function overdueRequests({ deps }: JobContext): Promise<Record<string, unknown>> {
  const now = new Date();
  const soon = new Date(now.getTime() + AT_RISK_DAYS * 86_400_000);
  const rows = await deps.db('requests').whereIn('status', OPEN_STATUSES).andWhere('due_at', '<', soon).select('id', 'due_at', 'regulation', 'status');
  const overdue = rows.filter((r) => r.due_at < now);
  return {
    ok: overdue.length === 0,
    overdue: overdue.map((r) => ({ id: r.id, dueAt: r.due_at, regulation: r.regulation, status: r.status })),
    atRisk: rows.filter((r) => r.due_at >= now).map((r) => ({ id: r.id, dueAt: r.due_at })),
  };
}

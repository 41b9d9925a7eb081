// Emails to the officer a request is assigned to when it needs them: due within the bundle's
// at-risk window, past its deadline, or stopped at "needs attention". The worker's sweep finds
// them in Postgres and claims each (request, kind) before sending, so each is told once; an email
// that fails releases its claim and the next sweep tries again. Like every email from Lethe, it
// names no data subject: the request's short id, reference and a link.
import type { Deps } from '../deps';
import { atRiskBefore, atRiskDays } from './deadlines';
import { OPEN_STATUSES } from './status';

type NoticeDeps = Pick<Deps, 'db' | 'mailer' | 'config' | 'logger' | 'policies' | 'audit'>;
export type OfficerNoticeKind = 'at_risk' | 'overdue' | 'needs_attention';

const WORDS: Record<OfficerNoticeKind, string> = {
  at_risk: 'is due soon',
  overdue: 'is past its deadline',
  needs_attention: 'needs attention',
};

interface Due {
  id: string;
  reference: string | null;
  status: string;
  due_at: Date;
  assignee_id: string;
  email: string;
  display_name: string;
}

const kindOf = (r: Due, now: Date, soon: Date): OfficerNoticeKind | null =>
  r.status === 'needs_attention' ? 'needs_attention' : r.due_at < now ? 'overdue' : r.due_at < soon ? 'at_risk' : null;

/** Tells assignees about their requests that need them; returns how many emails went out. */
export async function sendDueOfficerNotices(deps: NoticeDeps, now = new Date()): Promise<number> {
  const soon = atRiskBefore(now, atRiskDays(deps.policies.current()));
  const rows: Due[] = await deps
    .db('requests as r')
    .join('users as u', 'u.id', 'r.assignee_id')
    .whereNull('u.disabled_at')
    .whereIn('r.status', OPEN_STATUSES)
    .andWhere((q) => q.where('r.status', 'needs_attention').orWhere('r.due_at', '<', soon))
    .orderBy('r.due_at')
    .limit(200)
    .select('r.id', 'r.reference', 'r.status', 'r.due_at', 'r.assignee_id', 'u.email', 'u.display_name');
  let sent = 0;
  for (const r of rows) {
    const kind = kindOf(r, now, soon);
    if (!kind) continue;
    const [claimed] = await deps
      .db('officer_notices')
      .insert({ request_id: r.id, kind, assignee_id: r.assignee_id })
      .onConflict(['request_id', 'kind'])
      .ignore()
      .returning('request_id');
    if (!claimed) continue;
    try {
      const base = deps.config.publicUrl.replace(/\/$/, '');
      const message = await deps.mailer.send({
        to: r.email,
        template: 'request-needs-you',
        data: {
          name: r.display_name,
          shortId: r.id.slice(0, 8),
          reference: r.reference ?? '',
          what: WORDS[kind],
          kind,
          dueOn: r.due_at.toISOString().slice(0, 10),
          link: `${base}/requests/${r.id}`,
        },
      });
      await deps.audit.append({
        actor: 'system:notify',
        action: 'request.officer_notified',
        target: `request:${r.id}`,
        details: { kind, assignee: r.assignee_id, messageId: message.messageId },
      });
      sent++;
    } catch (e) {
      await deps.db('officer_notices').where({ request_id: r.id, kind }).del();
      deps.logger.warn(
        { event: 'request.officer_notice.failed', requestId: r.id, kind, error: (e as Error).message },
        'officer notice not sent; the next sweep retries',
      );
    }
  }
  return sent;
}

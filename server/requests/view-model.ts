// What the request pages show: countdowns, urgency, and the actions the principal may take now.
import { daysLeft, DEFAULT_AT_RISK_DAYS, urgency } from './deadlines';
import type { RequestRow } from './queries';
import type { ListRow } from './queue';
import { ACTIVE_STATUSES, isAnswered, isClosed, progressDone, statusLabel } from './status';

export function countdown(dueAt: Date, now = new Date()): string {
  const days = daysLeft(dueAt, now);
  if (days < 0) return `${-days} day${days === -1 ? '' : 's'} overdue`;
  if (days === 0) return 'due today';
  return `${days} day${days === 1 ? '' : 's'} left`;
}

/**
 * The status badge: while a job works on the request, its progress too ("running · 86%"). An approved
 * request with steps done is being run (or run again after a retry), so it says running, not approved.
 */
export function statusBadge(row: Pick<RequestRow, 'status' | 'progress_done' | 'progress_total'>): string {
  if (!ACTIVE_STATUSES.includes(row.status) || !row.progress_total || !row.progress_done)
    return statusLabel(row.status);
  const percent = Math.min(99, Math.round((100 * row.progress_done) / row.progress_total));
  return `${row.status === 'approved' ? 'running' : statusLabel(row.status)} · ${percent}%`;
}

/** One request as the list and the detail page show it; `atRiskDays` is the bundle's (see deadlines.ts atRiskDays). */
export function summary(row: ListRow, now = new Date(), atRiskDays = DEFAULT_AT_RISK_DAYS) {
  const closed = isClosed(row.status);
  return {
    id: row.id,
    shortId: row.id.slice(0, 8),
    type: row.type,
    regulation: row.regulation.toUpperCase(),
    status: row.status,
    statusLabel: statusBadge(row),
    closed,
    closedAt: row.completed_at,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    countdown: closed ? '—' : countdown(row.due_at, now),
    urgency: closed ? 'ok' : urgency(row.due_at, now, atRiskDays).urgency,
    duplicateOf: row.duplicate_of,
    reference: row.reference,
    percent: row.progress_total
      ? Math.round((100 * row.progress_done) / row.progress_total)
      : isAnswered(row.status)
        ? 100
        : 0,
  };
}

export function progressOf(row: RequestRow) {
  const done = progressDone(row.status);
  const percent = isAnswered(row.status)
    ? 100
    : row.progress_total
      ? Math.min(99, Math.round((100 * row.progress_done) / row.progress_total))
      : 0;
  return {
    status: row.status,
    percent,
    label: row.progress_label || statusLabel(row.status),
    badge: statusBadge(row),
    done,
  };
}

/** Enough of an identity for a second officer to recognise it, never the whole value. */
export function maskIdentity(identity: Record<string, string>): Record<string, string> {
  const mask = (v: string) =>
    v.length <= 2 ? '*'.repeat(v.length) : `${v[0]}${'*'.repeat(Math.min(6, v.length - 2))}${v[v.length - 1]}`;
  return Object.fromEntries(
    Object.entries(identity).map(([kind, value]) => {
      const at = value.indexOf('@');
      return [kind, at > 0 ? `${mask(value.slice(0, at))}@${mask(value.slice(at + 1))}` : mask(value)];
    }),
  );
}

/**
 * What the request pages say, per request type: an access request builds a package of the subject's
 * data and erases nothing, so it has no dry run, no erasure steps and no certificate of erasure.
 */
export const TYPE_WORDING = {
  erasure: {
    preview: true,
    approveButton: 'Approve and run the erasure',
    approved: 'Approved. The erasure job is queued.',
    retryCauses: 'a data-map entry, a locked table, identifiers left behind',
    retried: 'Sent back to the erasure job. Steps already done are not repeated.',
  },
  access: {
    preview: false,
    approveButton: 'Approve and build the access package',
    approved: 'Approved. The access package is being built.',
    retryCauses: 'a data-map entry, a system that could not be reached',
    retried: 'Sent back to build the access package again.',
  },
} as const satisfies Record<RequestRow['type'], Record<string, string | boolean>>;

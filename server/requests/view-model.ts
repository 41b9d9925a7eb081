// What the request pages show: countdowns, urgency, and the actions the principal may take now.
import { DEFAULT_AT_RISK_DAYS, urgency } from './deadlines';
import type { RequestRow } from './queries';
import { isAnswered, isClosed, progressDone, statusLabel } from './status';

export function countdown(dueAt: Date, now = new Date()): string {
  const days = Math.ceil((dueAt.getTime() - now.getTime()) / 86_400_000);
  if (days < 0) return `${-days} day${days === -1 ? '' : 's'} overdue`;
  if (days === 0) return 'due today';
  return `${days} day${days === 1 ? '' : 's'} left`;
}

/** One request as the list and the detail page show it; `atRiskDays` is the bundle's (see deadlines.ts atRiskDays). */
export function summary(row: RequestRow, now = new Date(), atRiskDays = DEFAULT_AT_RISK_DAYS) {
  const closed = isClosed(row.status);
  return {
    id: row.id,
    shortId: row.id.slice(0, 8),
    type: row.type,
    regulation: row.regulation.toUpperCase(),
    status: row.status,
    statusLabel: statusLabel(row.status),
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
  return { status: row.status, percent, label: row.progress_label || statusLabel(row.status), done };
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

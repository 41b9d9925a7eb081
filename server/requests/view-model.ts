// What the request pages show: countdowns, urgency, and the actions the principal may take now.
import { urgency } from '../erasure/deadlines';
import type { RequestRow } from './queries';

export const STATUS_LABEL: Record<string, string> = {
  received: 'received',
  identity_verified: 'identity verified',
  approved: 'approved',
  on_hold: 'on legal hold',
  running: 'running',
  verifying: 'verifying',
  completed: 'completed',
  needs_attention: 'needs attention',
  denied: 'denied',
};

export function countdown(dueAt: Date, now = new Date()): string {
  const days = Math.ceil((dueAt.getTime() - now.getTime()) / 86_400_000);
  if (days < 0) return `${-days} day${days === -1 ? '' : 's'} overdue`;
  if (days === 0) return 'due today';
  return `${days} day${days === 1 ? '' : 's'} left`;
}

export function summary(row: RequestRow, now = new Date()) {
  const closed = row.status === 'completed' || row.status === 'denied';
  return {
    id: row.id,
    shortId: row.id.slice(0, 8),
    type: row.type,
    regulation: row.regulation.toUpperCase(),
    status: row.status,
    statusLabel: STATUS_LABEL[row.status] ?? row.status,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    countdown: closed ? '—' : countdown(row.due_at, now),
    urgency: closed ? 'ok' : urgency(row.due_at, now).urgency,
    duplicateOf: row.duplicate_of,
    reference: row.reference,
    percent: row.progress_total ? Math.round((100 * row.progress_done) / row.progress_total) : row.status === 'completed' ? 100 : 0,
  };
}

export function progressOf(row: RequestRow) {
  const done = ['completed', 'needs_attention', 'denied', 'on_hold'].includes(row.status);
  const percent = row.status === 'completed' ? 100 : row.progress_total ? Math.min(99, Math.round((100 * row.progress_done) / row.progress_total)) : 0;
  return { status: row.status, percent, label: row.progress_label || STATUS_LABEL[row.status], done };
}

/** Enough of an identity for a second officer to recognise it, never the whole value. */
export function maskIdentity(identity: Record<string, string>): Record<string, string> {
  const mask = (v: string) => (v.length <= 2 ? '*'.repeat(v.length) : `${v[0]}${'*'.repeat(Math.min(6, v.length - 2))}${v[v.length - 1]}`);
  return Object.fromEntries(
    Object.entries(identity).map(([kind, value]) => {
      const at = value.indexOf('@');
      return [kind, at > 0 ? `${mask(value.slice(0, at))}@${mask(value.slice(at + 1))}` : mask(value)];
    }),
  );
}

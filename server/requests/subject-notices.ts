// Telling the data subject how their request ended (GDPR Art. 12(3)-(4)): a completion, or a
// denial with its reason and the right to complain to a supervisory authority and to go to court.
// Only requests whose subject left a way to reach them (the privacy center) have a contact: it is
// held encrypted, like the identity, in `subject_contacts`, and destroyed once the notice is sent.
// The sending is claimed in Postgres first, so the direct call after a status change and the
// worker's sweep (the safety net when a mail server was down) send each notice once.
import type { Deps } from '../deps';
import { EXPORT_RETENTION_DAYS, requestById } from './queries';
import type { RequestStatus } from './status';

type NoticeDeps = Pick<Deps, 'db' | 'crypto' | 'audit' | 'mailer' | 'config' | 'logger'>;

/** The statuses that close a request with an answer the subject is told about. */
const NOTIFIED: readonly RequestStatus[] = ['completed', 'part_held', 'denied'];
/** A claim older than this was lost (a process died mid-send): the sweep may send again. */
const CLAIM_LAPSES_MS = 10 * 60_000;

/** Keeps how to reach the subject of a request, encrypted, until the closing notice. */
export async function recordSubjectContact(deps: Pick<Deps, 'db' | 'crypto'>, requestId: string, email: string) {
  await deps
    .db('subject_contacts')
    .insert({ request_id: requestId, contact_enc: deps.crypto.encrypt(JSON.stringify({ email })) })
    .onConflict('request_id')
    .ignore();
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Sends the closing notice of one request if it is closed and its subject has a contact. */
export async function notifySubject(deps: NoticeDeps, requestId: string): Promise<boolean> {
  const row = await requestById(deps.db, requestId);
  if (!row || !NOTIFIED.includes(row.status)) return false;
  const [claimed] = await deps
    .db('subject_contacts')
    .where({ request_id: requestId })
    .whereNull('notice_sent_at')
    .whereNotNull('contact_enc')
    .andWhere((q) =>
      q.whereNull('notice_claimed_at').orWhere('notice_claimed_at', '<', new Date(Date.now() - CLAIM_LAPSES_MS)),
    )
    .update({ notice_claimed_at: new Date() })
    .returning('contact_enc');
  if (!claimed) return false;
  const { email } = JSON.parse(deps.crypto.decrypt(claimed.contact_enc)) as { email: string };
  const pc = deps.config.privacyCenter;
  const denied = row.status === 'denied';
  const sent = await deps.mailer.send({
    to: email,
    template: denied ? 'subject-denied' : 'subject-completed',
    data: {
      company: pc.companyName,
      contact: pc.contact,
      reference: row.id.slice(0, 8),
      type: row.type,
      regulation: row.regulation.toUpperCase(),
      reason: row.denial_reason ?? '',
      supervisoryAuthority: pc.supervisoryAuthority,
      partHeld: row.status === 'part_held',
      packageDays: EXPORT_RETENTION_DAYS,
      receivedOn: day(row.received_at),
    },
  });
  await deps.db.transaction(async (trx) => {
    await trx('subject_contacts')
      .where({ request_id: requestId })
      // GDPR Art. 5(1)(e): the address is kept no longer than the last message needs it.
      .update({ notice_sent_at: new Date(), notice_kind: row.status, contact_enc: null });
    await deps.audit.append(
      {
        actor: 'system:notify',
        action: 'request.subject_notified',
        target: `request:${requestId}`,
        details: { notice: row.status, messageId: sent.messageId, contactDestroyed: true },
      },
      trx,
    );
  });
  return true;
}

/**
 * GDPR Art. 12(3) (and CCPA §1798.130(a)(2), LGPD): a subject who can be reached is told of an
 * extension, with its reasons and the new date. The contact stays for the closing notice. An
 * extension happens once per request; the audit entry records that the notice went.
 */
export async function notifySubjectOfExtension(deps: NoticeDeps, requestId: string): Promise<boolean> {
  const row = await requestById(deps.db, requestId);
  if (!row?.extended_at) return false;
  const contact = await deps
    .db('subject_contacts')
    .where({ request_id: requestId })
    .whereNotNull('contact_enc')
    .first('contact_enc');
  if (!contact) return false;
  const { email } = JSON.parse(deps.crypto.decrypt(contact.contact_enc)) as { email: string };
  const pc = deps.config.privacyCenter;
  const sent = await deps.mailer.send({
    to: email,
    template: 'subject-extended',
    data: {
      company: pc.companyName,
      contact: pc.contact,
      reference: row.id.slice(0, 8),
      type: row.type,
      regulation: row.regulation.toUpperCase(),
      reason: row.extension_reason ?? '',
      dueOn: day(row.due_at),
      receivedOn: day(row.received_at),
    },
  });
  await deps.audit.append({
    actor: 'system:notify',
    action: 'request.subject_extension_notified',
    target: `request:${requestId}`,
    details: { messageId: sent.messageId, newDueAt: row.due_at.toISOString() },
  });
  return true;
}

/** After a status change: never fails the caller (the sweep sends what this could not). */
export async function notifySubjectQuietly(deps: NoticeDeps, requestId: string): Promise<void> {
  await notifySubject(deps, requestId).catch((e) =>
    deps.logger.warn(
      { event: 'request.subject_notice.failed', requestId, error: (e as Error).message },
      'closing notice not sent; the worker will retry',
    ),
  );
}

/** The worker's sweep: every closed request whose subject has not been told yet. */
export async function sendDueSubjectNotices(deps: NoticeDeps): Promise<number> {
  const due: string[] = await deps
    .db('subject_contacts as c')
    .join('requests as r', 'r.id', 'c.request_id')
    .whereNull('c.notice_sent_at')
    .whereNotNull('c.contact_enc')
    .whereIn('r.status', NOTIFIED)
    .limit(100)
    .pluck('c.request_id');
  let sent = 0;
  for (const id of due) if (await notifySubject(deps, id).catch(() => false)) sent++;
  return sent;
}

// Issue 19, point 2: the subject is told of an extension with its reason; the officer a request is
// assigned to is told when it is at risk, overdue or needs attention — once each, by the worker's sweep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, type TestApp } from '../support/app';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { userPrincipal } from '../../server/auth/principal';
import { createRequestService } from '../../server/requests/service';
import { recordSubjectContact, sendDueOfficerNotices } from '../../server/requests';
import { purgeExpiredRows } from '../../server/housekeeping';

let t: TestApp;
let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://lethe.example.test' } });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const mailsTo = (to: string) => smtp.messages.filter((m) => m.to.includes(to));

describe('notifications', () => {
  it('an extension is mailed to a subject who left a contact, with the reason and the new date; the contact is kept for the closing notice', async () => {
    const officer = userPrincipal(await createUser(t, 'compliance_officer'));
    const svc = createRequestService(t.deps);
    const reached = await svc.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: 'subject@example.org' }, reference: 'EXT-1' },
      officer,
    );
    await recordSubjectContact(t.deps, reached.id, 'subject@example.org');
    const extended = await svc.extend(reached.id, 'Data spread over four systems under migration.', officer);
    const mail = await smtp.waitFor('subject@example.org', 15_000);
    expect(mail.subject).toBe(`We need more time for your request (reference ${reached.id.slice(0, 8)})`);
    expect(mail.text).toContain('Data spread over four systems under migration.');
    expect(mail.text).toContain(`by ${extended!.due_at.toISOString().slice(0, 10)} at the latest`);
    expect(mail.text).toContain('GDPR Art. 12(3)');
    expect(
      await t.deps
        .db('audit_log')
        .where({ action: 'request.subject_extension_notified', target: `request:${reached.id}` })
        .first(),
    ).toBeTruthy();
    expect((await t.deps.db('subject_contacts').where({ request_id: reached.id }).first()).contact_enc).not.toBeNull();

    // A request typed in by an officer has no contact: nobody is mailed.
    const before = smtp.messages.length;
    const typedIn = await svc.create(
      { type: 'erasure', regulation: 'gdpr', identity: { email: 'other@example.org' }, reference: 'EXT-2' },
      officer,
    );
    await svc.extend(typedIn.id, 'Complex request.', officer);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.messages.length).toBe(before);
  }, 60_000);

  it('the assignee is told once when a request is at risk, once when it is overdue, and once when it needs attention; nobody else is', async () => {
    const user = await createUser(t, 'compliance_officer');
    const officer = userPrincipal(user);
    const svc = createRequestService(t.deps);
    const mk = async (reference: string) =>
      (
        await svc.create(
          { type: 'erasure', regulation: 'gdpr', identity: { email: `${reference}@example.org` }, reference },
          officer,
        )
      ).id;
    const [soon, late, stuck, unassigned] = [await mk('soon'), await mk('late'), await mk('stuck'), await mk('nobody')];
    const day = 86_400_000;
    await t.deps.db('requests').whereIn('id', [soon, late, stuck]).update({ assignee_id: user.id });
    await t.deps
      .db('requests')
      .whereIn('id', [soon, unassigned])
      .update({ due_at: new Date(Date.now() + 2 * day) });
    await t.deps
      .db('requests')
      .where({ id: late })
      .update({ due_at: new Date(Date.now() - day) });
    await t.deps.db('requests').where({ id: stuck }).update({ status: 'needs_attention', last_error: 'x' });

    // The worker's housekeeping tick sends them.
    await purgeExpiredRows(t.deps);
    const mails = mailsTo(user.email);
    expect(mails.map((m) => m.subject).sort()).toEqual(
      [
        `Request ${late.slice(0, 8)} is past its deadline`,
        `Request ${soon.slice(0, 8)} is due soon`,
        `Request ${stuck.slice(0, 8)} needs attention`,
      ].sort(),
    );
    const atRisk = mails.find((m) => m.subject.includes('due soon'))!;
    expect(atRisk.text).toContain(`https://lethe.example.test/requests/${soon}`);
    expect(atRisk.text).not.toContain('soon@example.org'); // names no data subject
    expect(await t.deps.db('audit_log').where({ action: 'request.officer_notified' })).toHaveLength(3);

    // A second sweep tells nobody again; the at-risk request going overdue is new news.
    expect(await sendDueOfficerNotices(t.deps)).toBe(0);
    await t.deps
      .db('requests')
      .where({ id: soon })
      .update({ due_at: new Date(Date.now() - 1000) });
    expect(await sendDueOfficerNotices(t.deps)).toBe(1);
    expect(mailsTo(user.email).at(-1)!.subject).toBe(`Request ${soon.slice(0, 8)} is past its deadline`);
  }, 60_000);
});

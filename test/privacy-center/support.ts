// Helpers for the privacy-center tests: a visitor (its own cookie jar and client address) and
// the links mailed to a subject.
import request from 'supertest';
import type { LetheApp } from '../../server/app';
import type { TestSmtp, ReceivedMail } from '../support/smtp';
import { csrfFrom } from '../support/app';

let nextAddress = 1;

/** A visitor from its own address (the app trusts X-Forwarded-For in these tests). */
export function visitor(app: LetheApp) {
  const agent = request.agent(app);
  const ip = `198.51.100.${nextAddress++}`;
  return {
    ip,
    agent,
    get: (path: string) => agent.get(path).set('x-forwarded-for', ip),
    post: (path: string, body: Record<string, string>) =>
      agent.post(path).set('x-forwarded-for', ip).type('form').send(body),
    /** Fills the form as a person would: the page first (for its token), then the POST. */
    async submit(values: { kind: string; region: string; email: string }) {
      const page = await this.get('/privacy-center');
      return this.post('/privacy-center', { _csrf: csrfFrom(page.text), ...values });
    },
  };
}

/** Waits for the n-th message (1-based) to `to` whose subject matches. */
export async function mailTo(smtp: TestSmtp, to: string, subject: RegExp, n = 1, ms = 10_000): Promise<ReceivedMail> {
  const end = Date.now() + ms;
  for (;;) {
    const found = smtp.messages.filter((m) => m.to.includes(to) && subject.test(m.subject));
    if (found.length >= n) return found[n - 1];
    if (Date.now() > end) throw new Error(`no email ${subject} #${n} to ${to} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const mailsTo = (smtp: TestSmtp, to: string) => smtp.messages.filter((m) => m.to.includes(to));

/** The path of the first link to the privacy center in a message (`kind`: confirm or status). */
export function linkIn(mail: ReceivedMail, kind: 'confirm' | 'status'): string {
  const m = new RegExp(`https?://[^\\s/]+(/privacy-center/${kind}/[A-Za-z0-9_-]+)`).exec(mail.text);
  if (!m) throw new Error(`no ${kind} link in: ${mail.text}`);
  return m[1];
}

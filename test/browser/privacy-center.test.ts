// A data subject on the public privacy center, end to end: the form, the verification email
// through a real SMTP server, the link, the officers' queue and approval, the erasure by the
// workers, the status page saying completed and the completion email.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createUser, freshTotp, PASSWORD } from '../support/app';
import {
  accessibilityViolations,
  launch,
  openPage,
  screenshot,
  serve,
  signInInBrowser,
  submitForm,
} from '../support/browser';
import { startSmtp, type TestSmtp } from '../support/smtp';
import { createDemoApp, sql, type DemoApp } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { linkIn, mailTo } from '../privacy-center/support';

let t: DemoApp;
let smtp: TestSmtp;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
let workers: RunningWorkers;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await createDemoApp({ env: { SMTP_URL: smtp.url, LETHE_COMPANY_NAME: 'Northwind Cloud' } });
  web = await serve(t);
  browser = await launch();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await browser?.close();
  await web?.close();
  await t?.close();
  await smtp?.close();
});

describe('browser: a data subject on the privacy center', () => {
  it('submits an erasure, confirms it from the email, and after an officer approves sees it completed and is told by email', async () => {
    const [{ email }] = await sql<{ email: string }>(
      t.urls.crm,
      'SELECT email FROM customers ORDER BY id LIMIT 1 OFFSET 3',
    );

    const subject = await openPage(browser);
    await subject.goto(`${web.url}/privacy-center`);
    expect(await subject.getByTestId('company').textContent()).toContain('Northwind Cloud');
    expect(await accessibilityViolations(subject)).toEqual([]);
    await subject.getByLabel('Erase my personal data').check();
    await subject.getByLabel('Where do you live?').selectOption('eu');
    await subject.getByLabel('Your email address').fill(email);
    await subject.getByTestId('submit').click();
    await subject.getByTestId('sent').waitFor();
    expect((await subject.context().cookies()).map((c) => c.name)).not.toContain('lethe.sid');

    const verification = await mailTo(smtp, email.toLowerCase(), /^Confirm your request/, 1, 30_000);
    await subject.goto(`${web.url}${linkIn(verification, 'confirm')}`);
    expect(await subject.getByTestId('confirm-what').textContent()).toBe('Erase my personal data');
    await subject.getByTestId('confirm').click();
    await subject.waitForURL(/\/privacy-center\/status\/[A-Za-z0-9_-]+$/);
    const statusUrl = subject.url();
    expect(await subject.getByTestId('status-stage').textContent()).toContain('waiting for review');
    expect(await accessibilityViolations(subject)).toEqual([]);
    const ack = await mailTo(smtp, email.toLowerCase(), /^We received your request/);
    expect(`${web.url}${linkIn(ack, 'status')}`).toBe(statusUrl);
    const reference = (await subject.getByTestId('status-reference').textContent())!.trim();

    // The request is in the officers' queue, verified by the link.
    const [first, second] = [await createUser(t, 'compliance_officer'), await createUser(t, 'compliance_officer')];
    const a = await openPage(browser);
    await signInInBrowser(a, web.url, first.email, PASSWORD);
    await a.goto(`${web.url}/requests?status=open`);
    await a.getByRole('link', { name: reference }).click();
    expect(await a.getByTestId('request-status').textContent()).toBe('identity verified');
    const id = a.url().split('/').pop()!;
    expect(id.startsWith(reference)).toBe(true);

    // Four-eyes: a second officer approves (the first only reviewed it).
    const b = await openPage(browser);
    await signInInBrowser(b, web.url, second.email, PASSWORD);
    await b.goto(`${web.url}/requests/${id}`);
    await b.getByLabel('Confirm it is you').fill(await freshTotp(t, second.id));
    await submitForm(b, b.getByTestId('approve'));
    await b.waitForURL(`${web.url}/requests/${id}`);

    // The workers erase; the subject's status page says completed.
    const end = Date.now() + 90_000;
    for (;;) {
      await subject.goto(statusUrl);
      const stage = (await subject.getByTestId('status-stage').textContent())!.trim();
      // Rows under the demo's litigation hold close the request "part held": completed all the same.
      if (stage.startsWith('Completed')) break;
      if (Date.now() > end) {
        await screenshot(subject, 'privacy-center-timeout');
        const row = await t.deps.db('requests').where({ id }).first();
        throw new Error(`stage "${stage}"; request ${row.status}, ${row.progress_label}, ${row.last_error}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    await screenshot(subject, 'privacy-center-completed');
    const done = await mailTo(smtp, email.toLowerCase(), /^Your request is complete/, 1, 30_000);
    expect(done.text).toContain('erased');
    expect(done.subject).toContain(reference);
    // The contact is destroyed once the subject has been told.
    const contact = await t.deps.db('subject_contacts').where({ request_id: id }).first();
    expect(contact.contact_enc).toBeNull();
    const row = await t.deps.db('requests').where({ id }).first();
    expect(['completed', 'part_held']).toContain(row.status);
    expect(contact.notice_kind).toBe(row.status);
    expect(done.text.includes('legal obligation')).toBe(row.status === 'part_held');
  }, 180_000);
});

// The officer queue in Chromium (issue 19): search by email, tick requests and assign them in
// bulk, add a note; each page passes the accessibility check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestApp, createUser, PASSWORD, type TestApp } from '../support/app';
import { startSmtp, type TestSmtp } from '../support/smtp';
import {
  accessibilityViolations,
  hasChromium,
  launch,
  openPage,
  screenshot,
  serve,
  signInInBrowser,
  submitForm,
} from '../support/browser';
import { services } from '../../server/services';
import { userPrincipal } from '../../server/auth';

let t: TestApp;
let smtp: TestSmtp;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;

beforeAll(async () => {
  smtp = await startSmtp();
  t = await createTestApp({ env: { SMTP_URL: smtp.url } });
  web = await serve(t);
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await t?.close();
  await smtp?.close();
});

describe.skipIf(!hasChromium)('browser: an officer works the request queue', () => {
  it('searches by email, assigns two ticked requests to a colleague and adds a note', async () => {
    const officer = await createUser(t, 'compliance_officer');
    const colleague = await t.deps.auth.createUser(
      {
        email: 'colleague@test.example',
        displayName: 'Colleague Cole',
        role: 'compliance_officer',
        password: PASSWORD,
      },
      'system:test',
    );
    const submitter = userPrincipal(await createUser(t, 'compliance_officer'));
    const ids: string[] = [];
    for (const email of ['browser-one@example.com', 'browser-two@example.com', 'browser-three@example.com'])
      ids.push(
        (
          await services(t.deps).requests.create(
            { type: 'erasure', regulation: 'gdpr', identity: { email }, reference: `B-${ids.length + 1}` },
            submitter,
          )
        ).id,
      );

    const page = await openPage(browser);
    await signInInBrowser(page, web.url, officer.email, PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Requests' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('Browser-Two@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=Browser-Two/);
    const rows = page.getByTestId('request-row');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-request-id')).toBe(ids[1]);
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByLabel(`Select request ${ids[0].slice(0, 8)}`).check();
    await page.getByLabel(`Select request ${ids[2].slice(0, 8)}`).check();
    await page.getByLabel('Assign to').selectOption({ label: 'Colleague Cole' });
    await submitForm(page, page.getByTestId('bulk-assign'));
    await page.waitForURL(/\/requests/);
    expect(await page.getByText('2 request(s) assigned').isVisible()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'queue-bulk-assigned');
    const assigned = await t.deps.db('requests').whereIn('id', ids).orderBy('reference').pluck('assignee_id');
    expect(assigned).toEqual([colleague.id, null, colleague.id]);
    await smtp.waitFor('colleague@test.example');

    await page.goto(`${web.url}/requests/${ids[0]}`, { waitUntil: 'domcontentloaded' });
    expect(await page.getByTestId('assignee').textContent()).toBe('Colleague Cole');
    await page.getByLabel('Add a note').fill('Waiting for the billing export');
    await submitForm(page, page.getByRole('button', { name: 'Add note' }));
    await page.waitForURL(/#notes$/);
    expect(await page.getByTestId('note').first().textContent()).toContain('Waiting for the billing export');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'queue-request-note');
  }, 150_000);
});

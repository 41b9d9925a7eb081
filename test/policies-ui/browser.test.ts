// The Policies and Systems pages in Chromium, without JavaScript tricks: reached through the real
// sign-in, each checked with axe-core and kept as a screenshot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestApp, createUser, PASSWORD, type TestApp } from '../support/app';
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
import { bundleCopy, editOnce } from './support';

let t: TestApp;
let copy: Awaited<ReturnType<typeof bundleCopy>>;
let browser: Browser;
let web: Awaited<ReturnType<typeof serve>>;
let page: Page;

beforeAll(async () => {
  if (!hasChromium) return;
  copy = await bundleCopy();
  t = await createTestApp({ policiesDir: copy.dir });
  web = await serve(t);
  browser = await launch();
  page = await openPage(browser);
  const user = await createUser(t, 'admin');
  await signInInBrowser(page, web.url, user.email, PASSWORD);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await t?.close();
  await copy?.remove();
});

async function check(name: string) {
  expect(await accessibilityViolations(page), name).toEqual([]);
  await screenshot(page, name);
}

describe.skipIf(!hasChromium)('browser: Policies and Systems pages', () => {
  it('an admin reloads a changed bundle, compares the two versions and opens a file at a line', async () => {
    await page.goto(`${web.url}/policies`);
    await check('policies-index');
    await editOnce(
      copy.dir,
      'access.yaml',
      'reason: Officers review who did what on their requests.',
      'reason: Officers review who did what on the requests they handle.',
    );
    await submitForm(page, page.getByRole('button', { name: 'Reload now' }));
    await page.waitForURL(`${web.url}/policies`);
    expect(await page.getByTestId('flash').textContent()).toContain('is now active');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(/\/policies\/diff\?/);
    expect(await page.getByTestId('added-line').textContent()).toContain('the requests they handle');
    await check('policies-diff');
    await page.goto(`${web.url}/policies/files/access.yaml#L40`);
    await check('policies-file');
  }, 120_000);

  it('an admin explains a decision and follows the rule to its line; a wrong input is shown as a field error', async () => {
    await page.goto(`${web.url}/policies/explain`);
    const access = page.getByTestId('explain-access');
    await access.getByLabel('Role', { exact: true }).selectOption('admin');
    await access.getByLabel('Action', { exact: true }).selectOption('reload');
    await access.getByLabel('Resource', { exact: true }).selectOption('policy');
    await access.getByRole('button', { name: 'Explain' }).click();
    await page.getByTestId('explanation').waitFor();
    expect(await page.getByTestId('decision').textContent()).toBe('allow');
    await check('policies-explain');
    await page.getByTestId('rule-at').getByRole('link').click();
    await page.waitForURL(/\/policies\/files\/access\.yaml#L\d+$/);

    await page.goto(`${web.url}/policies/explain?form=retention&dataset=crm.customers&date=31%2F12%2F2020`);
    expect(await page.getByTestId('error-summary').textContent()).toContain('Enter a date like');
    await check('policies-explain-error');
  }, 120_000);

  it('an admin sees every system of the data map checked', async () => {
    await page.goto(`${web.url}/systems`);
    expect(await page.getByTestId('systems-table').locator('tbody tr').count()).toBe(
      t.deps.policies.current().datamap.systems.length,
    );
    await check('systems');
  }, 120_000);
});

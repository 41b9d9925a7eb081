// A data steward anonymizes a data map table in the browser: the suggested hierarchies, the queued
// run watched through its progress bar until the worker finishes, the before/after comparison and
// the download of the anonymized version; then the same run page works with JavaScript off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createUser, PASSWORD } from '../support/app';
import { accessibilityViolations, launch, openPage, screenshot, serve, signInInBrowser } from '../support/browser';
import { createDemoApp, type DemoApp } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';

let t: DemoApp;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
let workers: RunningWorkers | undefined;

beforeAll(async () => {
  t = await createDemoApp({ customers: 120 });
  web = await serve(t);
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await browser?.close();
  await web?.close();
  await t?.close();
});

describe('browser: anonymizing a table', () => {
  it('a data steward starts an anonymization, watches the progress bar finish and sees before and after', async () => {
    const steward = await createUser(t, 'data_steward');
    const page = await openPage(browser, { acceptDownloads: true });
    await signInInBrowser(page, web.url, steward.email, PASSWORD);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Anonymization' }).click();
    expect(await page.getByTestId('empty-state').isVisible()).toBe(true);
    await page.locator('#prefill-table').selectOption('crm.customers');
    await page.getByRole('button', { name: 'Suggest hierarchies' }).click();
    expect(await page.getByLabel('Quasi-identifiers and their hierarchies').inputValue()).toBe(
      'date_of_birth = date:month,year,decade\npostal_code = mask:1,2,3',
    );
    await page.getByLabel('Records that may be suppressed (%)').fill('4');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Anonymize', exact: true }).click();
    await page.waitForURL(/\/anonymize\/runs\/[0-9a-f-]{36}$/, { timeout: 20_000 }).catch(async (e) => {
      throw new Error(
        `${e.message}; at ${page.url()}: ${(await page.getByTestId('main').textContent())?.slice(0, 600)}`,
      );
    });
    const id = page.url().split('/').pop()!;

    // No worker yet: queued, the bar polls; the worker starts and the page reloads itself when done.
    expect(await page.getByTestId('progress').getAttribute('data-status')).toBe('queued');
    workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
    await page
      .getByTestId('verdict')
      .waitFor({ timeout: 60_000 })
      .catch(async (e) => {
        await screenshot(page, 'anonymize-timeout');
        const row = await t.deps.db('anonymization_runs').where({ id }).first('status', 'progress_label', 'error');
        throw new Error(`${e.message}; run ${JSON.stringify(row)}`);
      });
    expect(await page.locator('progress').getAttribute('value')).toBe('100');
    expect(await page.getByTestId('progress').getAttribute('data-status')).toBe('done');
    const row = await t.deps.db('anonymization_runs').where({ id }).first('result');
    expect(await page.getByTestId('verdict').getAttribute('data-released')).toBe(String(row.result.released));
    const kRow = await page.getByTestId('k-row').locator('td').allTextContents();
    expect(kRow).toEqual(['Smallest class (k)', String(row.result.before.k), String(row.result.after.k)]);
    expect(Number(kRow[2])).toBeGreaterThanOrEqual(5);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'anonymize-done');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('output-link').click()]);
    expect(download.suggestedFilename()).toBe('crm.customers.anonymized.csv');

    // Without JavaScript (same session): the run page shows the same result; only the live bar needs JS.
    const plain = await openPage(browser, {
      javaScriptEnabled: false,
      storageState: await page.context().storageState(),
    });
    await plain.goto(`${web.url}/anonymize/runs/${id}`);
    expect(await plain.getByTestId('verdict').isVisible()).toBe(true);
    expect(await plain.getByTestId('k-row').locator('td').allTextContents()).toEqual(kRow);
  }, 180_000);
});

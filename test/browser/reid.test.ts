import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createTestApp, createUser, PASSWORD, type TestApp } from '../support/app';
import {
  accessibilityViolations,
  ARTEFACTS,
  launch,
  openPage,
  screenshot,
  serve,
  signInInBrowser,
} from '../support/browser';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { FAILING_CSV } from '../reid-ui/support';

let t: TestApp;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
let workers: RunningWorkers | undefined;

beforeAll(async () => {
  t = await createTestApp();
  web = await serve(t);
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await browser?.close();
  await web?.close();
  await t?.close();
});

describe('browser: a re-identification test of an uploaded CSV', () => {
  it('a data steward uploads a CSV, watches the progress bar finish, sees the failing thresholds and downloads the PDF report', async () => {
    const steward = await createUser(t, 'data_steward');
    const page = await openPage(browser, { acceptDownloads: true });
    await signInInBrowser(page, web.url, steward.email, PASSWORD);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).click();
    expect(await page.getByTestId('empty-state').isVisible()).toBe(true);
    await page.getByTestId('new-reid-run').click();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('An uploaded CSV file').check();
    await page
      .getByLabel('CSV file', { exact: true })
      .setInputFiles({ name: 'patients.csv', mimeType: 'text/csv', buffer: Buffer.from(FAILING_CSV) });
    await page.getByLabel('Dataset name').fill('patients_browser');
    await page.getByLabel('Delimiter').selectOption('auto');
    await page.getByLabel('Quasi-identifiers').fill('age, zip, sex');
    await page.getByLabel('Sensitive attributes (optional)').fill('diagnosis');
    await screenshot(page, 'reid-form');
    await page.getByRole('button', { name: 'Run the test' }).click();
    await page.waitForURL(/\/reid\/runs\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;

    // No worker yet: the page shows the queued run and polls; the worker starts now and the page
    // reloads itself when the run is done.
    expect(await page.getByTestId('progress').getAttribute('data-status')).toBe('queued');
    workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
    await page
      .getByTestId('verdict')
      .waitFor({ timeout: 60_000 })
      .catch(async (e) => {
        await screenshot(page, 'reid-timeout');
        const row = await t.deps.db('reid_runs').where({ id }).first('status', 'progress_label', 'error');
        throw new Error(`${e.message}; run ${JSON.stringify(row)}`);
      });
    expect(await page.locator('progress').getAttribute('value')).toBe('100');
    expect(await page.getByTestId('progress').getAttribute('data-status')).toBe('done');
    expect(await page.getByTestId('run-status').textContent()).toBe('failed');
    const violated = await page
      .getByTestId('violation')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-threshold')));
    expect(violated).toEqual(
      expect.arrayContaining(['k', 'maxProsecutorRisk', 'maxRecordsAtRisk', 'zeroLeakedIdentifiers']),
    );
    expect(await page.getByTestId('violations').textContent()).toContain(
      'k-anonymity is 1, the policy requires at least 5',
    );
    expect(await page.getByTestId('riskiest-classes').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('leaks').textContent()).not.toContain('anna.schmidt@example.com');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'reid-run-failed');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-link').click()]);
    fs.mkdirSync(ARTEFACTS, { recursive: true });
    const file = path.join(ARTEFACTS, `reid-${id}.pdf`);
    await download.saveAs(file);
    const text = execFileSync('pdftotext', [file, '-']).toString();
    expect(text).toContain('FAILED');
    expect(text).toContain('patients_browser');
    expect(text).toContain('k-anonymity is 1');

    // The dataset's page: blocked, its trend chart, and no release offered while the test fails
    // (the server refuses one too: test/reid-ui/upload.test.ts).
    await page.getByTestId('dataset-link').click();
    expect(await page.getByTestId('release-status').textContent()).toBe('blocked');
    expect(await page.getByTestId('reid-trend').isVisible()).toBe(true);
    expect(await page.getByTestId('release-button').count()).toBe(0);
    expect(await page.getByTestId('release-explanation').textContent()).toContain(
      'cannot be released until a new test passes',
    );
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'reid-dataset-blocked');
  }, 150_000);
});

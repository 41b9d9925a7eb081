import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
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
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { enqueue } from '../../jobs/job';
import { runAudit } from '../../server/audits/runs';

let t: TestApp;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
let workers: RunningWorkers;

beforeAll(async () => {
  t = await createTestApp();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  await createUser(t, 'admin'); // an admin without MFA: the access review finds it
  await runAudit(t.deps, {
    kind: 'access_review',
    schedule: 'manual',
    tickAt: null,
    jobId: 'browser-access',
    triggeredBy: 'system:test',
  });
  await enqueue(t.deps, 'audit', 'broken-browser', {
    audit: 'no_such_audit',
    schedule: 'manual',
    tickAt: new Date().toISOString(),
  });
  for (let i = 0; i < 100 && (await t.deps.queues.counts()).audit.failed < 1; i++)
    await new Promise((r) => setTimeout(r, 200));
  web = await serve(t);
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await workers?.close();
  await t?.close();
});

describe.skipIf(!hasChromium)('browser: an officer works the findings board and the job console', () => {
  it('opens the board, acknowledges a finding, sees its audit entry, and retries a failed job', async () => {
    const officer = await createUser(t, 'compliance_officer');
    const page = await openPage(browser);
    await signInInBrowser(page, web.url, officer.email, PASSWORD);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Findings' }).click();
    await page.getByLabel('Severity').selectOption('high');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByTestId('findings-table').locator('tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await rows.first().getByRole('link').click();
    await submitForm(page, page.getByTestId('finding-acknowledge'));
    await page.waitForURL(/\/findings\/[0-9a-f-]+$/);
    expect((await page.getByTestId('finding-status').textContent())?.trim()).toBe('acknowledged');
    expect(await page.getByTestId('finding-history').textContent()).toContain('finding.acknowledge');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'finding-acknowledged');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    expect(await page.getByTestId('failed-broken-browser').isVisible()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await submitForm(page, page.getByTestId('retry-broken-browser'));
    await page.waitForURL(/\/jobs$/);
    expect(
      await t.deps.db('audit_log').where({ action: 'job.retry', target: 'job:audit:broken-browser' }).first(),
    ).toBeTruthy();
  }, 150_000);
});

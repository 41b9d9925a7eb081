import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createUser, freshTotp, PASSWORD } from '../support/app';
import {
  accessibilityViolations,
  ARTEFACTS,
  launch,
  openPage,
  screenshot,
  serve,
  signInInBrowser,
  submitForm,
} from '../support/browser';
import { createDemoApp, expectedClosing, sql, type DemoApp } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';

let t: DemoApp;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
let workers: RunningWorkers;

beforeAll(async () => {
  t = await createDemoApp();
  web = await serve(t);
  browser = await launch();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await browser?.close();
  await web?.close();
  await t?.close();
});

describe('browser: an erasure request from intake to certificate', () => {
  it('one officer submits, a second approves, the progress bar completes and the certificate names the request and its verification', async () => {
    const [subject] = await sql<{ email: string }>(
      t.urls.crm,
      'SELECT email FROM customers ORDER BY id LIMIT 1 OFFSET 8',
    );
    const [first, second] = [await createUser(t, 'compliance_officer'), await createUser(t, 'compliance_officer')];

    const a = await openPage(browser);
    await signInInBrowser(a, web.url, first.email, PASSWORD);
    await a.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Requests' }).click();
    await a.getByTestId('new-request').click();
    expect(await accessibilityViolations(a)).toEqual([]);
    await a.getByLabel('Type of request').selectOption('erasure');
    await a.getByLabel('Regulation').selectOption('gdpr');
    await a.getByLabel('Email address').fill(subject.email);
    await a.getByLabel('Your reference (optional)').fill('BROWSER-1');
    await a.getByRole('button', { name: 'Record request' }).click();
    await a.waitForURL(/\/requests\/[0-9a-f-]{36}$/);
    const id = a.url().split('/').pop()!;
    await a.getByLabel('Evidence').fill('Confirmation link clicked from the address on file');
    await a.getByRole('button', { name: 'Mark identity verified' }).click();
    expect(await a.getByTestId('request-status').textContent()).toBe('identity verified');
    expect(await a.getByTestId('four-eyes-note').isVisible()).toBe(true);

    const b = await openPage(browser, { acceptDownloads: true });
    await signInInBrowser(b, web.url, second.email, PASSWORD);
    await b.goto(`${web.url}/requests/${id}`);
    await b.getByTestId('preview-link').click();
    expect(await b.getByTestId('preview-table').count()).toBeGreaterThan(3);
    await b.goBack();
    await b.getByLabel('Confirm it is you').fill(await freshTotp(t, second.id));
    await submitForm(b, b.getByTestId('approve'));
    await b.waitForURL(`${web.url}/requests/${id}`);
    // Live progress: the page polls and reloads itself when the job is done.
    await b
      .getByTestId('certificate-link')
      .waitFor({ timeout: 60_000 })
      .catch(async (e) => {
        await screenshot(b, 'erasure-timeout');
        const row = await t.deps.db('requests').where({ id }).first();
        throw new Error(
          `${e.message}; request status ${row.status}, label ${row.progress_label}, error ${row.last_error}`,
        );
      });
    // Issue 9: a subject with support tickets (under litigation hold LIT-2026-014) closes "part held".
    const closing = await expectedClosing(t.urls, subject.email);
    expect(await b.getByTestId('request-status').textContent()).toBe(
      closing === 'part_held' ? 'completed — part held' : 'completed',
    );
    if (closing === 'part_held')
      expect(await b.getByTestId('held-rows').textContent()).toContain('lit_2026_014_support_tickets');
    expect(await b.locator('progress').getAttribute('value')).toBe('100');
    expect(await b.getByTestId('verification-result').textContent()).toContain('Clean');
    expect(await accessibilityViolations(b)).toEqual([]);
    await screenshot(b, 'erasure-completed');

    const [download] = await Promise.all([b.waitForEvent('download'), b.getByTestId('certificate-link').click()]);
    fs.mkdirSync(ARTEFACTS, { recursive: true });
    const file = path.join(ARTEFACTS, `certificate-${id}.pdf`);
    await download.saveAs(file);
    const text = execFileSync('pdftotext', [file, '-']).toString();
    expect(text).toContain(id);
    expect(text.toLowerCase()).toContain('verification');
    expect(text).toContain('Verification result: PASSED');
    expect(text).not.toContain(subject.email);
  }, 150_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { createTestApp, createUser, PASSWORD, type TestApp } from '../support/app';
import { accessibilityViolations, launch, openPage, screenshot, serve } from '../support/browser';
import { totpNow } from '../../server/auth/totp';

let t: TestApp;
let browser: Browser;
let web: Awaited<ReturnType<typeof serve>>;
beforeAll(async () => {
  t = await createTestApp();
  web = await serve(t);
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await t?.close();
});

describe('browser: sign-in with password and TOTP', () => {
  it('a compliance officer enrols TOTP, signs in again with a code and sees the dashboard', async () => {
    const user = await createUser(t, 'compliance_officer');
    const page = await openPage(browser);
    await page.goto(`${web.url}/login`);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('Email address').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/mfa\/enrol$/);
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('Code from the app').fill(totpNow(secret));
    await page.getByRole('button', { name: /Turn on/ }).click();
    expect(await page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    await page.getByRole('link', { name: /saved them/ }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);

    await page.getByLabel('Email address').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/login\/mfa$/);
    await page.getByLabel('Code').fill(totpNow(secret));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${web.url}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');
    expect(await page.getByTestId('whoami').textContent()).toContain('compliance officer');
    expect(await accessibilityViolations(page)).toEqual([]);
    const file = await screenshot(page, 'dashboard-after-mfa-login');
    expect(fs.statSync(file).size).toBeGreaterThan(5_000);
  }, 150_000);
});

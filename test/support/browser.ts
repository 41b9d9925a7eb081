// Browser tests: Debian's Chromium driven by playwright-core against a real server on a
// loopback port, with an axe-core accessibility check of each page visited.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { createApp } from '../../server/app';
import type { TestApp } from './app';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTEFACTS = path.resolve(import.meta.dirname, '../browser/artefacts');
export const hasChromium = fs.existsSync(CHROMIUM);

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Playwright waits 30 s by default; under a full parallel suite on two cores a sign-in
 * (argon2 plus a page load) can take longer, so every wait gets the test's own budget. */
export const BROWSER_WAIT_MS = 90_000;

/** A page in a fresh context whose waits and navigations use BROWSER_WAIT_MS. */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(BROWSER_WAIT_MS);
  context.setDefaultNavigationTimeout(BROWSER_WAIT_MS);
  return context.newPage();
}

export async function serve(t: TestApp): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createApp(t.deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page; returns serious and critical violations (ids and targets). */
export async function accessibilityViolations(
  page: Page,
): Promise<{ id: string; impact: string; targets: string[] }[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return result.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  const file = path.join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Clicks a control that posts a form and waits for the page the post leads to: the POST's own
 * answer (or the GET its redirect points at) and that new document's DOMContentLoaded. Waiting
 * for a URL instead resolves at once when a form redirects back to the page it was sent from, so
 * the next step read the old page or waited on an element until the test's time ran out. An
 * answer of 400 or more fails at once with what the page says; a POST never answered fails naming it.
 */
export async function submitForm(page: Page, control: Locator): Promise<void> {
  const started = Date.now();
  const loaded = page.waitForEvent('domcontentloaded');
  const answered = page.waitForResponse((r) => {
    const q = r.request();
    if (!q.isNavigationRequest() || q.frame() !== page.mainFrame()) return false;
    if (q.method() === 'POST') return r.status() < 300 || r.status() >= 400; // answered without a redirect
    return q.redirectedFrom()?.method() === 'POST';
  });
  loaded.catch(() => {}); // awaited below; a timeout surfaces through `answered` first
  await control.click();
  const response = await answered.catch((e: Error) => {
    throw new Error(`the form's POST got no answer in ${Date.now() - started} ms: ${e.message}`);
  });
  await loaded;
  if (response.status() >= 400) {
    const said = await page
      .locator('main')
      .textContent({ timeout: 2000 })
      .catch(() => '');
    throw new Error(`the form was answered ${response.status()} at ${response.url()}: ${said?.trim().slice(0, 400)}`);
  }
}

/** Signs in through the pages; enrols TOTP on the way when the role requires it.
 * Waits for the URL only (`commit`), not for every subresource's `load`: the next step waits
 * for the elements it needs anyway. When the sign-in is answered with anything but a redirect,
 * the error says what the server answered instead of timing out on the URL. */
export async function signInInBrowser(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  const { totpNow } = await import('../../server/auth/totp');
  const started = Date.now();
  await page.goto(`${baseUrl}/login`, { waitUntil: 'domcontentloaded' });
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  const answered = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login',
  );
  await page.getByRole('button', { name: 'Sign in' }).click();
  const response = await answered;
  if (response.status() !== 303) {
    const said = await page
      .getByTestId('error-summary')
      .textContent({ timeout: 2000 })
      .catch(() => '');
    throw new Error(
      `sign-in of ${email} answered ${response.status()} after ${Date.now() - started} ms: ${said?.trim()}`,
    );
  }
  await page.waitForURL(/\/(mfa\/enrol|login\/mfa)?$/, { waitUntil: 'commit' });
  if (page.url().endsWith('/mfa/enrol')) {
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('Code from the app').fill(totpNow(secret));
    await page.getByRole('button', { name: /Turn on/ }).click();
    await page.getByRole('link', { name: /saved them/ }).click();
  }
  await page.waitForURL(`${baseUrl}/`, { waitUntil: 'commit' });
  await page.waitForLoadState('domcontentloaded');
}

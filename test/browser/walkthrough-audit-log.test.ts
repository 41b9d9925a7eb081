// Issue 19 point 4i in a real browser: the audit log's details column keeps a readable width
// instead of being squeezed by the table until its JSON wraps every few characters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestApp, createUser, PASSWORD, type TestApp } from '../support/app';
import { launch, openPage, screenshot, serve, signInInBrowser } from '../support/browser';

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

describe('browser: the audit log page', () => {
  it('shows each entry’s details at a readable width, many characters to a line', async () => {
    // Long ids and a long target in the other columns: what squeezed the details column.
    for (let i = 0; i < 5; i++)
      await t.deps.audit.append({
        actor: 'system:walkthrough-with-a-long-actor-name',
        action: 'request.certificate',
        target: `request:${'0123456789abcdef'.repeat(2)}-${i}-a-long-target-identifier-that-does-not-wrap`,
        details: {
          sha256: 'f'.repeat(64),
          auditHead: 'e'.repeat(64),
          note: 'details with several words that should wrap at word boundaries',
        },
      });
    const auditor = await createUser(t, 'auditor');
    const page = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    await signInInBrowser(page, web.url, auditor.email, PASSWORD);
    await page.goto(`${web.url}/audit-log?actor=${encodeURIComponent('system:walkthrough-with-a-long-actor-name')}`);
    const details = page.locator('.audit-details').first();
    const box = (await details.boundingBox())!;
    // 16rem: about 30 characters of monospace to a line, not 3 or 4.
    expect(box.width).toBeGreaterThanOrEqual(240);
    await screenshot(page, 'audit-log-details');
  }, 150_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestApp, createUser, PASSWORD, type TestApp } from '../support/app';
import {
  accessibilityViolations,
  ARTEFACTS,
  hasChromium,
  launch,
  openPage,
  screenshot,
  serve,
  signInInBrowser,
} from '../support/browser';
import { seedAuditLog, seedRequests } from '../../bench/report-data';
import { generateReport, orderReport } from '../../server/reports/service';

let t: TestApp;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;

beforeAll(async () => {
  t = await createTestApp();
  const o = { from: new Date('2026-07-01T00:00:00Z'), days: 90, requests: 60, auditEntries: 120, reidRuns: 0 };
  await seedRequests(t.deps.db, o);
  await seedAuditLog(t.deps.db, t.deps.crypto, t.deps.policies.hash(), o);
  const officer = await createUser(t, 'compliance_officer');
  const row = await orderReport(
    t.deps,
    { kind: 'quarterly', from: '2026-07-01', to: '2026-09-30' },
    { id: `user:${officer.id}` },
  );
  await generateReport(t.deps, row.id);
  web = await serve(t);
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
  await t?.close();
});

// The only forms an auditor may submit: sign out, order a report (report:create), re-walk the
// audit-log chain, check a PDF. None of them changes a record.
const READ_ONLY_POSTS = new Set(['/logout', '/reports', '/audit-log/verify', '/verify']);

async function postTargets(page: Page): Promise<string[]> {
  return page
    .locator('form')
    .evaluateAll((forms) =>
      forms
        .filter((f) => (f.getAttribute('method') ?? 'get').toLowerCase() === 'post')
        .map((f) => new URL(f.getAttribute('action') ?? '', f.ownerDocument.baseURI).pathname),
    );
}

describe.skipIf(!hasChromium)('browser: an auditor and the signed reports', () => {
  it('signs in, downloads a report, verifies it on /verify, and finds no control that changes anything', async () => {
    const auditor = await createUser(t, 'auditor');
    const page = await openPage(browser, { acceptDownloads: true });
    await signInInBrowser(page, web.url, auditor.email, PASSWORD);

    // Lands on the dashboard: reports, the audit log and request statistics, read-only.
    expect(await page.getByRole('heading', { name: 'Signed reports' }).isVisible()).toBe(true);
    expect(await page.getByRole('heading', { name: 'Requests this quarter' }).isVisible()).toBe(true);
    const seen: Record<string, string[]> = { '/': await postTargets(page) };

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await page.getByLabel('Kind', { exact: true }).last().selectOption('quarterly');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(await page.getByTestId('reports-table').locator('tbody tr').count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    seen['/reports'] = await postTargets(page);
    await screenshot(page, 'reports-auditor');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download' }).first().click(),
    ]);
    fs.mkdirSync(ARTEFACTS, { recursive: true });
    const file = path.join(ARTEFACTS, 'report-auditor.pdf');
    await download.saveAs(file);
    const downloads = await t.deps
      .db('audit_log')
      .where({ action: 'report.download', actor: `user:${auditor.id}` })
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(downloads[0].n)).toBe(1);

    await page
      .getByRole('link', { name: /\d{4}-\d\d-\d\d \d\d:\d\d/ })
      .first()
      .click();
    seen['/reports/:id'] = await postTargets(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    seen['/audit-log'] = await postTargets(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Requests' }).click();
    seen['/requests'] = await postTargets(page);
    const firstRequest = page.locator('table a[href^="/requests/"]').first();
    if (await firstRequest.count()) {
      await firstRequest.click();
      seen['/requests/:id'] = await postTargets(page);
    }

    await page.goto(`${web.url}/verify`);
    await page.getByLabel('Report PDF').setInputFiles(file);
    await page.getByRole('button', { name: 'Check the report' }).click();
    expect(await page.getByTestId('verify-result').getAttribute('data-status')).toBe('authentic');
    expect(await page.getByTestId('verify-result').textContent()).toContain('Quarterly compliance report');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'verify-authentic');

    // One byte flipped: altered.
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    await page
      .getByLabel('Report PDF')
      .setInputFiles({ name: 'altered.pdf', mimeType: 'application/pdf', buffer: bytes });
    await page.getByRole('button', { name: 'Check the report' }).click();
    expect(await page.getByTestId('verify-result').getAttribute('data-status')).toBe('altered');

    for (const [where, posts] of Object.entries(seen)) {
      expect(
        posts.filter((p) => !READ_ONLY_POSTS.has(p)),
        `a control that changes something on ${where}`,
      ).toEqual([]);
    }
    expect(Object.keys(seen).length).toBeGreaterThanOrEqual(5);
  }, 150_000);
});

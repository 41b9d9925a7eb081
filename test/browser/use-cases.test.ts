import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestApp, createUser, PASSWORD, type TestApp } from '../support/app';
import {
  accessibilityViolations,
  ARTEFACTS,
  BROWSER_WAIT_MS,
  launch,
  openPage,
  screenshot,
  serve,
  signInInBrowser,
  submitForm,
} from '../support/browser';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { userPrincipal } from '../../server/auth/principal';
import { createUseCaseService } from '../../server/use-cases/service';
import { createReviewService } from '../../server/use-cases/review';

let t: TestApp;
let web: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
let workers: RunningWorkers | undefined;
// Started when a packet is asked for (as the reid browser test does): no worker competes with the
// first sign-ins on a loaded machine.
const ensureWorkers = () => (workers ??= startWorkers(t.deps, { reconcileEveryMs: 3_600_000 }));

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

async function as(role: string): Promise<{ page: Page; user: Awaited<ReturnType<typeof createUser>> }> {
  const user = await createUser(t, role);
  const page = await openPage(browser, { acceptDownloads: true });
  await signInInBrowser(page, web.url, user.email, PASSWORD);
  return { page, user };
}

describe('browser: the ethics board decides an AI use case', () => {
  it('a steward registers a use case and answers the questionnaire; two board members vote; the decision and the board packet follow', async () => {
    const { page: steward } = await as('data_steward');
    await steward.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AI use cases' }).click();
    await steward.getByTestId('new-use-case').click();
    await steward.getByTestId('save-use-case').click();
    expect(await steward.getByTestId('error-summary').textContent()).toContain('Give the use case a title');
    await steward.getByLabel('Title').fill('Support chatbot (browser)');
    await steward
      .getByLabel('Business purpose')
      .fill('Answers customer questions from past tickets, hands over to an agent.');
    await steward.getByLabel('Datasets of the data map it uses').selectOption(['support.tickets']);
    await steward.getByLabel('Models of the data map it uses').selectOption(['support-assistant-v3']);
    await steward.getByTestId('save-use-case').click();
    await steward.waitForURL(/\/use-cases\/[0-9a-f-]{36}\/questionnaire$/);
    const id = steward.url().split('/')[4];
    expect(await accessibilityViolations(steward)).toEqual([]);
    await steward.getByLabel('Does the company use the system under its own authority (not only for others)?').check();
    await steward.getByLabel('Does it interact directly with people (a chatbot, a voice assistant)?').check();
    await submitForm(steward, steward.getByTestId('save-answers'));
    await steward.waitForURL(`${web.url}/use-cases/${id}`);
    expect(await steward.getByTestId('use-case-tier').textContent()).toBe('Limited risk');
    expect(await steward.getByTestId('rules-fired').textContent()).toContain('art50_1_interaction');
    expect(await steward.getByTestId('rules-fired').textContent()).toContain('Art. 50(1)');
    expect(await steward.getByTestId('transparency-duties').textContent()).toContain(
      'Tell people they interact with an AI',
    );
    await steward.getByTestId('submit-use-case').click();
    expect(await steward.getByTestId('use-case-status').textContent()).toBe('Submitted');
    expect(await accessibilityViolations(steward)).toEqual([]);
    await screenshot(steward, 'use-case-classified');

    const [b1, b2] = [await createUser(t, 'ethics_board'), await createUser(t, 'ethics_board')];
    const chair = await createUser(t, 'board_chair');
    const cases = createUseCaseService(t.deps);
    expect((await createReviewService(t.deps, cases).assign(id, [b1.id, b2.id], userPrincipal(chair))).ok).toBe(true);

    for (const [member, choice] of [
      [b1, 'approve_with_conditions'],
      [b2, 'approve'],
    ] as const) {
      const page = await openPage(browser, { acceptDownloads: true });
      await signInInBrowser(page, web.url, member.email, PASSWORD);
      await page.goto(`${web.url}/use-cases/${id}`);
      await page.getByTestId(`vote-${choice}`).check();
      if (choice === 'approve_with_conditions')
        await page
          .getByLabel('Conditions (for an approval with conditions)')
          .fill('Show an AI notice before the first answer | 2027-03-01');
      await page
        .getByLabel('Comment')
        .fill(choice === 'approve' ? 'Fine with the hand-over.' : 'Only with a visible notice.');
      await submitForm(page, page.getByTestId('cast-vote'));
      await page.waitForURL(`${web.url}/use-cases/${id}`);
      if (choice === 'approve') {
        expect(await page.getByTestId('decision-outcome').textContent()).toBe('Approved with conditions');
        expect(await page.getByTestId('conditions').textContent()).toContain(
          'Show an AI notice before the first answer',
        );
        expect(await page.getByTestId('conditions').textContent()).toContain('2027-03-01');
        expect(await accessibilityViolations(page)).toEqual([]);
        await screenshot(page, 'use-case-decided');

        ensureWorkers();
        await page.goto(`${web.url}/use-cases/packets`);
        await page.getByLabel('Meeting date').fill('2026-12-15');
        await page.getByTestId('generate-packet').click();
        // The page reloads itself while a packet is being prepared.
        await page.getByTestId('packet-download').waitFor({ timeout: BROWSER_WAIT_MS });
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('packet-download').click(),
        ]);
        fs.mkdirSync(ARTEFACTS, { recursive: true });
        const file = path.join(ARTEFACTS, `board-packet-${id}.pdf`);
        await download.saveAs(file);
        expect(execFileSync('pdftotext', [file, '-']).toString()).toContain('Ethics board packet');
      }
      await page.close();
    }
  }, 240_000);

  it('the packet lists the cases awaiting a decision with their titles and tiers', async () => {
    const [steward, chair] = [await createUser(t, 'data_steward'), await createUser(t, 'board_chair')];
    const cases = createUseCaseService(t.deps);
    const out = await cases.create(
      {
        fields: {
          title: 'CV screening (browser)',
          ownerId: steward.id,
          purpose: 'Ranks applications against the job profile.',
          models: [],
          dataCategories: [],
          datasets: [],
          datamapModels: [],
          personalDataUses: [],
          logRetention: '',
          humanOversight: '',
          affectedGroups: '',
          regions: [],
          goLive: null,
        },
        answers: { uses_under_own_authority: true, recruitment_selection: true },
      },
      userPrincipal(steward),
    );
    if (!out.ok) throw new Error('not created');
    await cases.submit(out.value.id, userPrincipal(steward));
    const page = await openPage(browser, { acceptDownloads: true });
    await signInInBrowser(page, web.url, chair.email, PASSWORD);
    ensureWorkers();
    await page.goto(`${web.url}/use-cases/packets`);
    await page.getByLabel('Meeting date').fill('2026-12-16');
    await page.getByTestId('generate-packet').click();
    await page.getByTestId('packet-row').first().getByTestId('packet-download').waitFor({ timeout: BROWSER_WAIT_MS });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('packet-row').first().getByTestId('packet-download').click(),
    ]);
    const file = path.join(ARTEFACTS, `board-packet-2026-12-16.pdf`);
    await download.saveAs(file);
    const text = execFileSync('pdftotext', [file, '-']).toString();
    expect(text).toContain('CV screening (browser)');
    expect(text).toContain('High risk');
    expect(text).toContain('annex_iii_4a_recruitment');
  }, 180_000);
});

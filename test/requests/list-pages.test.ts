// The /requests list pages by keyset (issue 21): following the Next links from the first page
// lists every request the filter selects exactly once, in the list's order, for every sortable
// column and both directions, with many rows sharing one sort value; the Previous links give the
// same pages back. A page number alone (typed in) and a cursor the list did not make fall back to
// an offset. Past 10,000 rows the pager says "more than 10,000" instead of counting them all.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { insertRequests } from '../support/scale-data';
import { LIST_SORTS } from '../../server/requests/queries';

let t: TestApp;
let officer: SignedIn;

beforeAll(async () => {
  t = await createTestApp();
  officer = await signIn(t, 'compliance_officer');
  // 137 requests (6 pages of 25): 60 share one due date and one received date (ties on the
  // sort key), the rest differ; statuses mixed, so sorting by status ties nearly everything.
  const tie = new Date(Date.now() + 5 * 86_400_000);
  const statuses = ['received', 'completed', 'denied', 'needs_attention'];
  await t.deps.db('requests').insert(
    Array.from({ length: 137 }, (_, i) => ({
      type: i % 3 === 0 ? 'access' : 'erasure',
      regulation: 'gdpr',
      status: statuses[i % statuses.length],
      identity_index: crypto.randomBytes(32).toString('hex'),
      submitted_by: 'system:test',
      received_at: i < 60 ? new Date(tie.getTime() - 30 * 86_400_000) : new Date(Date.now() - i * 3_600_000),
      due_at: i < 60 ? tie : new Date(Date.now() + (i - 70) * 86_400_000),
    })),
  );
}, 60_000);
afterAll(() => t?.close());

const idsOf = (html: string) =>
  [...html.matchAll(/data-testid="request-row" data-request-id="([0-9a-f-]{36})"/g)].map((m) => m[1]);
const link = (html: string, rel: 'next' | 'prev') =>
  [...html.matchAll(/<a rel="(next|prev)" href="([^"]+)">/g)].find((m) => m[1] === rel)?.[2].replace(/&amp;/g, '&');

async function get(path: string) {
  const res = await officer.agent.get(path);
  expect(res.status).toBe(200);
  return res.text;
}

describe('the request list pages by keyset', () => {
  const filters: [string, Record<string, string>][] = [
    ['every request', { status: 'all' }],
    ['a filtered list', { status: 'all', type: 'access' }],
  ];
  for (const [label, filter] of filters)
    for (const sort of Object.keys(LIST_SORTS) as (keyof typeof LIST_SORTS)[])
      for (const dir of ['asc', 'desc'] as const)
        it(`${label} by ${sort} ${dir}: every row exactly once, in order, and the same pages back`, async () => {
          const q = t.deps.db('requests');
          if (filter.type) q.where('type', filter.type);
          const expected: string[] = await q.orderBy(LIST_SORTS[sort], dir).orderBy('id', dir).pluck('id');

          const pages: string[][] = [];
          const hrefs: string[] = [];
          let html = await get('/requests?' + new URLSearchParams({ ...filter, sort, dir }).toString());
          for (;;) {
            pages.push(idsOf(html));
            expect(html).toContain(`Page ${pages.length} of ${Math.ceil(expected.length / 25)}`);
            const next = link(html, 'next');
            if (!next) break;
            expect(next).toMatch(/after=[^&]+&page=\d+$/);
            hrefs.push(next);
            html = await get('/requests' + next);
          }
          expect(pages.flat()).toEqual(expected);
          expect(pages.length).toBe(Math.ceil(expected.length / 25));

          // Back from the last page by the Previous links: the same pages, in reverse.
          for (let i = pages.length - 2; i >= 0; i--) {
            const prev = link(html, 'prev')!;
            if (i > 0) expect(prev).toMatch(/before=[^&]+&page=\d+$/);
            else expect(prev).not.toMatch(/before=/);
            html = await get('/requests' + prev);
            expect(idsOf(html)).toEqual(pages[i]);
          }
          expect(link(html, 'prev')).toBeUndefined();

          // A page number alone is the same page by offset (its ids skipped in the index, then its rows read).
          for (const [i, page] of pages.entries())
            expect(
              idsOf(await get('/requests?' + new URLSearchParams({ ...filter, sort, dir, page: String(i + 1) }))),
            ).toEqual(page);
        });

  it('a cursor the list did not make (edited, or of another sort) falls back to the page number', async () => {
    const first = await get('/requests?status=all&sort=due&dir=asc');
    const next = link(first, 'next')!;
    const byOffset = idsOf(await get('/requests?status=all&sort=due&dir=asc&page=2'));
    expect(idsOf(await get('/requests' + next.replace('dir=asc', 'dir=desc')))).toEqual(
      idsOf(await get('/requests?status=all&sort=due&dir=desc&page=2')),
    );
    expect(idsOf(await get('/requests?status=all&sort=due&dir=asc&after=not-a-cursor&page=2'))).toEqual(byOffset);
    expect(idsOf(await get('/requests?status=all&sort=due&dir=asc&before=bm9wZQ&page=2'))).toEqual(byOffset);
  });
});

describe('the pager counts up to 10,000', () => {
  beforeAll(async () => {
    await insertRequests(t.deps.db, 10_000);
  }, 60_000);

  it('says "more than 10,000" past the cap, with a Next link on every page but the last', async () => {
    const html = await get('/requests?status=all');
    expect(html).toContain('Page 1 (more than 10,000 in all)');
    expect(html).not.toMatch(/Page 1 of/);
    expect(link(html, 'next')).toMatch(/after=[^&]+&page=2$/);
    // 10,137 rows: page 406 is the last (12 rows), reached by offset.
    const last = await get('/requests?status=all&page=406');
    expect(idsOf(last)).toHaveLength(10_137 - 405 * 25);
    expect(last).toContain('Page 406 (more than 10,000 in all)');
    expect(link(last, 'next')).toBeUndefined();
    expect(link(last, 'prev')).toMatch(/before=[^&]+&page=405$/);
    // Its Next from page 405 (by cursor) reaches the same rows.
    const p405 = await get('/requests?status=all&page=405');
    expect(idsOf(await get('/requests' + link(p405, 'next')!))).toEqual(idsOf(last));
  });

  it('counts exactly under the cap: a filter that selects fewer rows says how many', async () => {
    const [{ n }] = await t.deps.db('requests').where({ status: 'needs_attention' }).count({ n: '*' });
    expect(Number(n)).toBeLessThan(10_000);
    const html = await get('/requests?status=needs_attention');
    expect(html).toContain(`(${Number(n)} in all)`);
    expect(html).toContain(`Page 1 of ${Math.ceil(Number(n) / 25)}`);
  });
});

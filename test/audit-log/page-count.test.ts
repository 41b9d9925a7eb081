// The audit log's pager counts a filter's entries only up to 10,000 (issue 21): past that it says
// "more than 10,000", offers Next on every page but the last (from one entry fetched beyond the
// page), and pages by keyset as before; under the cap the count is exact. The CSV download
// streams in chunks and holds every entry the filter selects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { insertAuditEntries } from '../support/scale-data';

let t: TestApp;
let auditor: SignedIn;
let total: number;

beforeAll(async () => {
  t = await createTestApp();
  auditor = await signIn(t, 'auditor');
  // Bulk rows (not a valid chain: paging and counting only).
  await insertAuditEntries(t.deps.db, 10_500);
  total = Number((await t.deps.db('audit_log').count({ n: '*' }))[0].n);
}, 60_000);
afterAll(() => t?.close());

const seqsOf = (html: string) => [...html.matchAll(/<tr>\s*<td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
const link = (html: string, rel: 'next' | 'prev') =>
  [...html.matchAll(/<a rel="(next|prev)" href="([^"]+)">/g)].find((m) => m[1] === rel)?.[2].replace(/&amp;/g, '&');

async function get(path: string) {
  const res = await auditor.agent.get(path);
  expect(res.status).toBe(200);
  return res.text;
}

describe('the audit log pager past 10,000 entries', () => {
  it('says "more than 10,000" for a filter selecting more, and pages on by keyset', async () => {
    expect(total).toBeGreaterThan(10_000);
    const first = await get('/audit-log?from=2000-01-01');
    expect(first).toContain('Page 1 (more than 10,000 in all)');
    expect(first).not.toMatch(/Page 1 of/);
    const next = link(first, 'next')!;
    expect(next).toMatch(/after=\d+/);
    const second = await get('/audit-log' + next);
    expect(second).toContain('Page 2 (more than 10,000 in all)');
    const newest = await t.deps.db('audit_log').orderBy('seq', 'desc').limit(100).pluck('seq');
    expect(seqsOf(first)).toEqual(newest.slice(0, 50).map(Number));
    expect(seqsOf(second)).toEqual(newest.slice(50, 100).map(Number));
    // Back by the previous link (before=): the first page again, and it still offers Next.
    const back = await get('/audit-log' + link(second, 'prev')!);
    expect(seqsOf(back)).toEqual(seqsOf(first));
    expect(link(back, 'next')).toBeDefined();
  });

  it('the last page (by its number) has no Next link, and its rows are the oldest', async () => {
    const lastPage = Math.ceil(total / 50);
    const last = await get(`/audit-log?from=2000-01-01&page=${lastPage}`);
    expect(last).toContain(`Page ${lastPage.toLocaleString('en')} (more than 10,000 in all)`);
    expect(link(last, 'next')).toBeUndefined();
    expect(link(last, 'prev')).toMatch(/before=\d+/);
    const oldest = await t.deps
      .db('audit_log')
      .orderBy('seq', 'asc')
      .limit(total - (lastPage - 1) * 50)
      .pluck('seq');
    expect(seqsOf(last)).toEqual(oldest.map(Number).reverse());
  });

  it('counts exactly under the cap', async () => {
    const [{ n }] = await t.deps.db('audit_log').where('action', 'like', 'request.%').count({ n: '*' });
    expect(Number(n)).toBeLessThan(10_000);
    const page = await get('/audit-log?action=request.');
    expect(page).toContain(`Page 1 of ${Math.ceil(Number(n) / 50)} (${Number(n)} in all)`);
  });

  it('the CSV download holds every entry the filter selects, once, in order', async () => {
    const res = await auditor.agent.get('/audit-log.csv?action=request.&sort=asc').buffer(true);
    expect(res.status).toBe(200);
    const lines = res.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^seq,at,actor/);
    const expected = await t.deps.db('audit_log').where('action', 'like', 'request.%').orderBy('seq').pluck('seq');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(expected.map(Number));
  });
});

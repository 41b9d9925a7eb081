// The audit log's next/previous links continue from a seq (keyset), giving the same rows as the
// page number would, in both sort orders; a malformed cursor is ignored like a bad page number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type TestApp } from '../support/app';
import { distinctActions } from '../../server/audit-log/queries';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  for (let i = 0; i < 120; i++)
    await t.deps.audit.append({ actor: 'system:test', action: 'test.keyset', details: { i } });
});
afterAll(() => t.close());

const seqsOf = (html: string) => [...html.matchAll(/<tr>\s*<td>(\d+)<\/td>/g)].map((m) => m[1]);
const link = (html: string, rel: 'next' | 'prev') =>
  [...html.matchAll(/<a rel="(next|prev)" href="([^"]+)">/g)].find((m) => m[1] === rel)?.[2].replace(/&amp;/g, '&');

describe('audit log paging by keyset', () => {
  for (const sort of ['desc', 'asc'] as const) {
    it(`next and previous links (${sort}) carry a seq and show the same rows as page numbers`, async () => {
      const s = await signIn(t, 'auditor');
      const first = await s.agent.get(`/audit-log?action=test.keyset&sort=${sort}`);
      const next = link(first.text, 'next')!;
      expect(next).toMatch(/after=\d+/);
      const viaCursor = await s.agent.get('/audit-log' + next);
      const viaOffset = await s.agent.get(`/audit-log?action=test.keyset&sort=${sort}&page=2`);
      expect(viaCursor.text).toContain('Page 2 of 3');
      expect(seqsOf(viaCursor.text)).toEqual(seqsOf(viaOffset.text));
      expect(seqsOf(viaCursor.text).length).toBeGreaterThan(0);
      const prev = link(viaCursor.text, 'prev')!;
      expect(prev).toMatch(/before=\d+/);
      expect(seqsOf((await s.agent.get('/audit-log' + prev)).text)).toEqual(seqsOf(first.text));
      const bad = await s.agent.get(`/audit-log?action=test.keyset&sort=${sort}&after=-1&page=1`);
      expect(seqsOf(bad.text)).toEqual(seqsOf(first.text));
    });
  }

  it('the action list (a skip scan over the index) is every distinct action, in order', async () => {
    expect(await distinctActions(t.deps.db)).toEqual(
      await t.deps.db('audit_log').distinct('action').orderBy('action').pluck('action'),
    );
    expect(await distinctActions(t.deps.db)).toContain('test.keyset');
  });

  it('the unfiltered page counts every entry (from the head) like a filtered count would', async () => {
    const s = await signIn(t, 'auditor');
    const page = await s.agent.get('/audit-log');
    const [{ n }] = await t.deps.db('audit_log').count({ n: '*' });
    expect(page.text).toContain(`(${Number(n)} in all)`);
  });
});

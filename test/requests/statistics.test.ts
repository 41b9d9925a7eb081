// The quarter's request figures (requests area, server/requests/queries.ts requestStatistics) and
// the reports area's dashboard panel that shows them through the requests area's public surface.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { requestStatistics } from '../../server/requests';
import { QUARTER_FIGURES_TTL_MS, requestStatisticsPanel } from '../../server/reports/panels';
import type { Deps } from '../../server/deps';

const DAY = 86_400_000;
let t: TestDatabase;
const since = new Date(Date.now() - 60 * DAY);

async function insert(received: number, completed: number | null, due: number) {
  const now = Date.now();
  await t.db('requests').insert({
    type: 'erasure',
    regulation: 'gdpr',
    status: completed === null ? 'received' : 'completed',
    identity_index: `idx-${Math.random()}`,
    submitted_by: 'system:test',
    received_at: new Date(now - received * DAY),
    completed_at: completed === null ? null : new Date(now - completed * DAY),
    due_at: new Date(now - due * DAY),
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  await insert(100, 90, 70); // received and closed before the period: counts nowhere
  await insert(50, 48, 20); // closed in 2 days
  await insert(40, 30, 10); // closed in 10 days
  await insert(30, 26, 0.5); // closed in 4 days, on time
  await insert(35, null, 5); // open past its deadline: late
  await insert(20, 5, 10); // closed after its deadline: late, 15 days
});
afterAll(() => t?.drop());

describe('request statistics', () => {
  it('counts received, closed, the median days to close and deadlines missed since a date', async () => {
    const s = await requestStatistics(t.db, since);
    expect(s.received).toBe(5);
    expect(s.closed).toBe(4);
    expect(s.medianDays).toBeCloseTo(7, 5); // 2, 4, 10, 15
    expect(s.late).toBe(2);
  });

  it('has no median when nothing closed in the period', async () => {
    const s = await requestStatistics(t.db, new Date(Date.now() - DAY));
    expect(s).toEqual({ received: 0, closed: 0, medianDays: null, late: 0 });
  });

  it('the reports panel shows them to whoever reads requests and reports', async () => {
    const deps = { db: t.db } as unknown as Deps;
    expect(await requestStatisticsPanel(deps, {} as never, (a, r) => r === 'report')).toBeNull();
    const panel = await requestStatisticsPanel(deps, {} as never, () => true);
    expect(panel?.title).toBe('Requests this quarter');
    expect(panel?.lines?.[0].text).toMatch(/received, \d+ closed, median (n\/a|\d+\.\d days) to close, \d+ deadline/);
  });

  it("the panel reuses the quarter's figures for a minute (issue 21), then reads them again", async () => {
    const deps = { db: t.db } as unknown as Deps;
    const received = async () =>
      Number(/: (\d+) received/.exec((await requestStatisticsPanel(deps, {} as never, () => true))!.lines[0].text)![1]);
    const before = await received();
    await insert(1, null, -30);
    expect(await received()).toBe(before);
    vi.useFakeTimers({ now: Date.now() + QUARTER_FIGURES_TTL_MS + 1_000, toFake: ['Date'] });
    try {
      expect(await received()).toBe(before + 1);
    } finally {
      vi.useRealTimers();
    }
  });
});

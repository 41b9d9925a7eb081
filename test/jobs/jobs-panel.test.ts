// The dashboard's background-jobs panel (issue 21): the queue counts, one reading per job kind,
// are shared by every view for JOB_COUNTS_TTL_MS and then read again; the panel says when they
// were read. Real queues on the file's own Redis prefix.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { JOB_COUNTS_TTL_MS, jobsPanel } from '../../server/dashboard/panels';

describe('the background-jobs panel', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  const queued = async () => {
    const panel = await jobsPanel(t.deps, {} as never, () => true);
    const [, n, at] = /^(\d+) queued or running, \d+ failed \(redis backend\)\. As of (\d\d:\d\d:\d\d) UTC\.$/.exec(
      panel!.lines[0].text,
    )!;
    return { n: Number(n), at };
  };

  it('is shown to whoever reads the dashboard', async () => {
    expect(await jobsPanel(t.deps, {} as never, () => false)).toBeNull();
    expect((await jobsPanel(t.deps, {} as never, () => true))?.title).toBe('Background jobs');
  });

  it('shares one reading of the counts for a few seconds, then reads them again', async () => {
    // The clock is the test's: a slow machine cannot let the reading expire between the two views.
    const start = Date.now() + 10 * JOB_COUNTS_TTL_MS; // past any reading the test above left
    vi.useFakeTimers({ now: start, toFake: ['Date'] });
    const counts = vi.spyOn(t.deps.queues, 'counts');
    try {
      const first = await queued();
      expect(counts).toHaveBeenCalledTimes(1);
      await t.deps.queues.enqueue('audit', { kind: 'overdue_requests' }, { jobId: 'panel-test', delay: 3_600_000 });
      await t.deps.queues.enqueue('report', { reportId: 'x' }, { jobId: 'panel-test-2' });
      expect(await queued()).toEqual(first);
      expect(counts).toHaveBeenCalledTimes(1);
      vi.setSystemTime(start + JOB_COUNTS_TTL_MS + 1_000);
      const later = await queued();
      expect(counts).toHaveBeenCalledTimes(2);
      expect(later.n).toBe(first.n + 1); // the report job waits; the delayed audit is neither
      expect(later.at).not.toBe(first.at);
    } finally {
      vi.useRealTimers();
      counts.mockRestore();
    }
  });
});

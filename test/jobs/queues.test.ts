import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { fireTick, tickJobId } from '../../jobs/scheduler';
import { enqueue } from '../../jobs/job';

async function until<T>(fn: () => Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const backend of ['redis', 'postgres'] as const) {
  describe(`jobs on the ${backend} backend`, () => {
    let t: TestApp;
    let workers: RunningWorkers;
    beforeAll(async () => {
      t = await createTestApp({ queue: backend });
      workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
    });
    afterAll(async () => {
      await workers.close();
      await t.close();
    });

    it('the factory picked the configured backend', () => {
      expect(t.deps.queues.backend).toBe(backend);
    });

    it('a job runs on a worker and records its result, stamped with the bundle hash', async () => {
      await enqueue(t.deps, 'audit', 'manual-1', {
        audit: 'audit_log_chain',
        schedule: 'manual',
        tickAt: new Date().toISOString(),
      });
      const entry = await until(() => t.deps.db('audit_log').where({ action: 'audit.audit_log_chain.passed' }).first());
      expect(entry.details.jobId).toBe('manual-1');
      expect(entry.bundle_hash).toBe(t.deps.policies.hash());
    });

    it('N schedulers firing the same tick enqueue exactly one job', async () => {
      const schedule = {
        name: 'nightly-chain',
        cron: '0 3 * * *',
        audit: 'audit_log_chain',
        description: '',
        source: { file: 'schedules.yaml', line: 1, column: 1 },
      };
      const at = new Date('2026-11-28T03:00:12Z');
      const fired = await Promise.all([
        fireTick(t.deps, schedule, at),
        fireTick(t.deps, schedule, at),
        fireTick(t.deps, schedule, at),
      ]);
      expect(fired.filter(Boolean)).toHaveLength(1);
      const jobId = tickJobId('nightly-chain', at);
      expect(jobId).toBe('nightly-chain@20261128T030000Z');
      const entries = await until(async () => {
        const rows = await t.deps
          .db('audit_log')
          .where({ action: 'audit.audit_log_chain.passed' })
          .whereRaw(`details->>'jobId' = ?`, [jobId]);
        return rows.length ? rows : null;
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(entries).toHaveLength(1);
      expect(await t.deps.db('schedule_ticks').where({ schedule: 'nightly-chain' }).count({ n: '*' })).toEqual([
        { n: '1' },
      ]);
    });

    it('an unknown audit kind fails at once without retrying', async () => {
      await enqueue(t.deps, 'audit', 'bad-kind', {
        audit: 'no_such_audit',
        schedule: 'manual',
        tickAt: new Date().toISOString(),
      });
      const job = await until(async () => {
        const j = await t.deps.queues.getJob('audit', 'bad-kind');
        return j && (await j.getState()) === 'failed' ? j : null;
      });
      // With 5 attempts and backoff, a retried job would sit in "delayed": failed means no retry.
      expect(job.attemptsMade).toBeLessThanOrEqual(1);
      expect(job.failedReason).toContain('no_such_audit');
    });
  });
}

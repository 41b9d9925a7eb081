// LETHE_JOB_CONCURRENCY sets how many jobs of a kind one worker process runs at once (the parallel
// erasure bench runs N processes with erasure=1 each); unset kinds keep their job's default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { JOBS } from '../../jobs/registry';
import { ConfigError, loadConfig } from '../../server/config';

const key = 'ab'.repeat(32);

describe('LETHE_JOB_CONCURRENCY', () => {
  it('reads kind=n pairs, spaces allowed', () => {
    const config = loadConfig({ LETHE_SECRET_KEY: key, LETHE_JOB_CONCURRENCY: 'erasure=1, report = 3' });
    expect(config.jobConcurrency).toEqual({ erasure: 1, report: 3 });
    expect(loadConfig({ LETHE_SECRET_KEY: key }).jobConcurrency).toEqual({});
  });

  it('refuses an unknown job kind and a malformed or zero count', () => {
    expect(() => loadConfig({ LETHE_SECRET_KEY: key, LETHE_JOB_CONCURRENCY: 'erasures=1' })).toThrow(
      /unknown job kind erasures/,
    );
    for (const bad of ['erasure', 'erasure=0', 'erasure=-1', 'erasure=1;report=2'])
      expect(() => loadConfig({ LETHE_SECRET_KEY: key, LETHE_JOB_CONCURRENCY: bad }), bad).toThrow(ConfigError);
  });

  describe('in a worker process', () => {
    let t: TestApp;
    let workers: RunningWorkers;
    beforeAll(async () => {
      t = await createTestApp({ env: { LETHE_JOB_CONCURRENCY: 'erasure=1,report=3' } });
      workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
    });
    afterAll(async () => {
      await workers?.close();
      await t?.close();
    });

    it('each BullMQ worker runs the configured number of jobs at once, the others their default', () => {
      const byKind = Object.fromEntries(workers.workers.map((w) => [w.name, w.concurrency]));
      expect(byKind.erasure).toBe(1);
      expect(byKind.report).toBe(3);
      expect(JOBS.erasure!.concurrency).not.toBe(1); // the override is what made it 1
      expect(byKind['access-export']).toBe(JOBS['access-export']!.concurrency);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, signIn, type SignedIn, type TestApp } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { enqueue } from '../../jobs/job';

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const backend of ['redis', 'postgres'] as const) {
  describe(`the job console on the ${backend} backend`, () => {
    let t: TestApp;
    let workers: RunningWorkers;
    let officer: SignedIn;
    let admin: SignedIn;
    beforeAll(async () => {
      t = await createTestApp({ queue: backend });
      workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
      officer = await signIn(t, 'compliance_officer');
      admin = await signIn(t, 'admin');
      for (const id of ['broken-1', 'broken-2'])
        await enqueue(t.deps, 'audit', id, {
          audit: 'no_such_audit',
          schedule: 'manual',
          tickAt: new Date().toISOString(),
        });
      await until(async () => (await t.deps.queues.counts()).audit.failed >= 2);
    }, 120_000);
    afterAll(async () => {
      await workers?.close();
      await t?.close();
    });

    it('shows counts per queue and each failure with its error, never job data', async () => {
      const page = await officer.agent.get('/jobs').expect(200);
      expect(page.text).toMatch(
        /data-testid="queue-audit"><th scope="row">audit<\/th><td>\d+<\/td><td>\d+<\/td><td>\d+<\/td><td>\d+<\/td><td>2<\/td>/,
      );
      expect(page.text).toContain('data-testid="failed-broken-1"');
      expect(page.text).toContain('No implementation for audit kind');
      expect(page.text).not.toContain('tickAt');
      expect(page.text).toContain('data-testid="retry-broken-1"');
      expect(page.text).not.toContain('data-testid="discard-broken-1"');
    });

    it('an officer retries a failed job: it runs again, and the retry is audited', async () => {
      const page = await officer.agent.get('/jobs');
      const res = await officer.agent
        .post('/jobs/audit/broken-1/retry')
        .type('form')
        .send({ _csrf: csrfFrom(page.text) });
      expect(res.status).toBe(303);
      const entry = await t.deps.db('audit_log').where({ action: 'job.retry', target: 'job:audit:broken-1' }).first();
      expect(entry.actor).toBe(`user:${officer.userId}`);
      // It ran again (and failed again: the kind still does not exist).
      await until(async () => {
        const j = await t.deps.queues.getJob('audit', 'broken-1');
        return j && (await j.getState()) === 'failed' && j.finishedOn! > entry.at.getTime() - 1000;
      });
    });

    it('only an admin may discard; discarding removes the job and is audited', async () => {
      const page = await officer.agent.get('/jobs');
      await officer.agent
        .post('/jobs/audit/broken-2/discard')
        .type('form')
        .send({ _csrf: csrfFrom(page.text) })
        .expect(403);
      const adminPage = await admin.agent.get('/jobs').expect(200);
      expect(adminPage.text).toContain('data-testid="discard-broken-2"');
      await admin.agent
        .post('/jobs/audit/broken-2/discard')
        .type('form')
        .send({ _csrf: csrfFrom(adminPage.text) })
        .expect(303);
      expect(await t.deps.queues.getJob('audit', 'broken-2')).toBeFalsy();
      expect(
        await t.deps.db('audit_log').where({ action: 'job.discard', target: 'job:audit:broken-2' }).first(),
      ).toBeTruthy();
    });

    it('refuses to retry a job that is not failed, and hides the console from a steward', async () => {
      const page = await admin.agent.get('/jobs');
      await admin.agent
        .post('/jobs/audit/no-such-job/retry')
        .type('form')
        .send({ _csrf: csrfFrom(page.text) })
        .expect(404);
      const steward = await signIn(t, 'data_steward');
      await steward.agent.get('/jobs').expect(403);
    });
  });
}

// Acceptance: two schedulers and two workers (each with its own pools and queue connections, as
// separate processes have) against one Postgres and one Redis, a schedule firing every second for
// 10 s: exactly one audit run per tick, on both queue backends.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, POLICIES_DIR, type TestApp } from '../support/app';
import { createTestDatabase, testRedis, type TestDatabase } from '../support/db';
import { startScheduler } from '../../jobs/scheduler';
import { startWorkers } from '../../jobs/worker';

let policiesDir: string;
beforeAll(() => {
  policiesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-every-second-'));
  fs.cpSync(POLICIES_DIR, policiesDir, { recursive: true });
  fs.writeFileSync(
    path.join(policiesDir, 'schedules.yaml'),
    [
      'apiVersion: lethe/v1',
      'kind: Schedules',
      'schedules:',
      '  - name: chain_every_second',
      '    cron: "* * * * * *"',
      '    audit: audit_log_chain',
      '    description: Every second, for the test.',
      '',
    ].join('\n'),
  );
});
afterAll(() => fs.rmSync(policiesDir, { recursive: true, force: true }));

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const backend of ['redis', 'postgres'] as const) {
  describe(`two schedulers and two workers on the ${backend} backend`, () => {
    let database: TestDatabase;
    const apps: TestApp[] = [];
    beforeAll(async () => {
      database = await createTestDatabase();
      const env = { LETHE_QUEUE_PREFIX: testRedis().prefix, LETHE_SECRET_KEY: crypto.randomBytes(32).toString('hex') };
      for (let i = 0; i < 2; i++) apps.push(await createTestApp({ queue: backend, database, policiesDir, env }));
    }, 60_000);
    afterAll(async () => {
      for (const a of apps) await a.close();
      await database?.drop();
    });

    it('a schedule firing every second for 10 s gives exactly one audit run per tick', async () => {
      const workers = apps.map((a) => startWorkers(a.deps, { reconcileEveryMs: 3_600_000 }));
      const schedulers = apps.map((a) => startScheduler(a.deps));
      await new Promise((r) => setTimeout(r, 10_000));
      for (const s of schedulers) await s.close();
      const ticks = await database
        .db('schedule_ticks')
        .where({ schedule: 'chain_every_second' })
        .orderBy('tick_at')
        .select('tick_at', 'job_id');
      expect(ticks.length).toBeGreaterThanOrEqual(9);
      const runs = await until(
        async () => {
          const rows = await database
            .db('audit_runs')
            .where({ schedule: 'chain_every_second' })
            .whereNot({ status: 'running' })
            .select('tick_at', 'job_id', 'status');
          return rows.length >= ticks.length ? rows : null;
        },
        60_000,
        'a run for every tick',
      );
      for (const w of workers) await w.close();
      await new Promise((r) => setTimeout(r, 300));
      const all = await database
        .db('audit_runs')
        .where({ schedule: 'chain_every_second' })
        .select('tick_at', 'job_id', 'status');
      expect(all).toHaveLength(ticks.length);
      expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'passed'));
      expect(new Set(all.map((r) => new Date(r.tick_at).toISOString())).size).toBe(ticks.length);
      expect(all.map((r) => r.job_id).sort()).toEqual(ticks.map((t) => t.job_id).sort());
      // Ticks are whole seconds, not folded into the minute.
      expect(ticks.every((t) => new Date(t.tick_at).getTime() % 1000 === 0)).toBe(true);
      expect(new Set(ticks.map((t) => Math.floor(new Date(t.tick_at).getTime() / 60_000))).size).toBeLessThan(
        ticks.length,
      );
      // And one audit entry per run, not one per scheduler or worker.
      const [{ n }] = await database
        .db('audit_log')
        .where({ action: 'audit.audit_log_chain.passed' })
        .whereRaw(`details->>'jobId' like 'chain_every_second@%'`)
        .count({ n: '*' });
      expect(Number(n)).toBe(ticks.length);
    }, 120_000);
  });
}

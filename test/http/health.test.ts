import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestApp, type TestApp } from '../support/app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('health and metrics', () => {
  it('GET /healthz › says the process is up', async () => {
    expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
  });

  it('GET /readyz › is ready when the database and the queue answer', async () => {
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ database: 'ok', queue: 'ok' });
  });

  it('GET /metrics › exposes HTTP latency and job counts in Prometheus text', async () => {
    await request(t.app).get('/login');
    const res = await request(t.app).get('/metrics');
    expect(res.text).toContain('lethe_http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/lethe_jobs\{queue="erasure",state="waiting"\} \d+/);
  });

  it('an unknown page is a 404 page, never a stack trace', async () => {
    const res = await request(t.app).get('/no/such/page');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Page not found');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('GET /readyz › answers 503 naming the database when it is unreachable', async () => {
    const { buildDeps } = await import('../../server/bootstrap');
    const { loadConfig } = await import('../../server/config');
    const { createApp } = await import('../../server/app');
    const { createLogger } = await import('../../server/logger');
    const deps = await buildDeps(loadConfig(t.env), {
      databaseUrl: t.database.url,
      logger: createLogger('silent'),
      migrate: false,
    });
    const app = createApp(deps);
    await deps.db.destroy(); // the pool is gone: every query now fails
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.failing).toContain('database');
    await deps.policies.close();
    await deps.queues.close();
  });
});

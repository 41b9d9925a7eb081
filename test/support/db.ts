// Per test file: its own database (a clone of the run's migrated template) and its own Redis
// key prefix, so files run in parallel and runs on one machine never collide.
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type Db } from '../../server/db/knex';
import { withDatabase } from './global-setup';

export interface TestDatabase {
  name: string;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const { adminUrl, runId, template } = inject('lethe');
  const name = `lethe_t_${runId}_${crypto.randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(opts.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`);
    // A throwaway database: commits need not wait for the disk (a slow fsync stalled whole files).
    await client.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  } finally {
    await client.end();
  }
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, 5);
  return {
    name,
    url,
    db,
    drop: async () => {
      await db.destroy();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    },
  };
}

export function testRedis(): { url: string; prefix: string } {
  const { redisUrl, runId } = inject('lethe');
  return { url: redisUrl, prefix: `lethe-t-${runId}-${crypto.randomBytes(4).toString('hex')}` };
}

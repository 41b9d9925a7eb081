// Runs once per `vitest run`: finds the services, builds a migrated template database for this
// run, and hands its name to the test files (each file clones it: see test/support/db.ts).
import crypto from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startServices } from './services';
import { createDb } from '../../server/db/knex';
import { migrateLatest } from '../../server/db/migrate';
import { dropMysqlDatabases } from './mysql';

declare module 'vitest' {
  export interface ProvidedContext {
    lethe: { adminUrl: string; redisUrl: string; runId: string; template: string };
  }
}

export function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = '/' + name;
  return url.toString();
}

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject) {
  const services = await startServices();
  const runId = `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
  const template = `lethe_t_${runId}_tpl`;
  await admin(services.adminUrl, `CREATE DATABASE ${template}`);
  const db = createDb(withDatabase(services.adminUrl, template), 2);
  await migrateLatest(db);
  await db.destroy();
  project.provide('lethe', { adminUrl: services.adminUrl, redisUrl: services.redisUrl, runId, template });

  return async () => {
    const client = new pg.Client({ connectionString: services.adminUrl });
    await client.connect();
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `lethe_t_${runId}_%`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await client.end();
    await dropMysqlDatabases(`lethe_t_${runId}_`);
    await services.stop();
  };
}

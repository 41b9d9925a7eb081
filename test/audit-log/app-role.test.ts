// The application running as the restricted role (migrations as the owner): an attacker holding
// the application's connection cannot disable the audit-log triggers or cut the log.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestDatabase, testRedis, type TestDatabase } from '../support/db';
import { cliRunner } from '../support/cli';
import { POLICIES_DIR, createUser, type TestApp } from '../support/app';
import { loadConfig } from '../../server/config';
import { buildDeps } from '../../server/bootstrap';
import { createLogger } from '../../server/logger';
import { createApp } from '../../server/app';
import type { Deps } from '../../server/deps';
import { createDb } from '../../server/db/knex';

const role = `lethe_app_t_${crypto.randomBytes(4).toString('hex')}`;
let owner: TestDatabase;
let deps: Deps;
let appUrl: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  owner = await createTestDatabase();
  const redis = testRedis();
  env = {
    NODE_ENV: 'test',
    DATABASE_URL: owner.url,
    REDIS_URL: redis.url,
    LETHE_QUEUE_PREFIX: redis.prefix,
    LETHE_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    LETHE_POLICIES_DIR: POLICIES_DIR,
    LOG_LEVEL: 'silent',
  };
  const granted = await cliRunner(env)(['db', 'grant-app-role', '--role', role]);
  expect(granted.code, granted.err).toBe(0);
  const u = new URL(owner.url);
  u.username = role;
  u.password = '';
  appUrl = u.toString();
  const appEnv = { ...env, DATABASE_URL: appUrl, DATABASE_MIGRATION_URL: owner.url };
  deps = await buildDeps(loadConfig(appEnv), { databaseUrl: appUrl, logger: createLogger('silent'), migrate: true });
});
afterAll(async () => {
  await deps?.policies.close();
  await deps?.queues.close();
  await deps?.db.destroy();
  await owner?.drop();
  const admin = createDb(new URL('/postgres', owner.url).toString(), 1);
  await admin.raw(`DROP ROLE IF EXISTS "${role}"`).finally(() => admin.destroy());
});

describe('the application as a restricted database role', () => {
  it('works: connects as the role, writes audit entries, signs people in', async () => {
    expect((await deps.db.raw('SELECT current_user AS u')).rows[0].u).toBe(role);
    await deps.audit.append({ actor: 'system:test', action: 'test.as_app_role' });
    const t = { deps, app: createApp(deps) } as unknown as TestApp;
    const user = await createUser(t, 'auditor');
    const page = await request.agent(t.app).get('/login');
    expect(page.status).toBe(200);
    expect(user.id).toBeTruthy();
    expect((await deps.audit.verify()).ok).toBe(true);
  });

  it('cannot disable, drop or bypass the audit-log triggers, nor update, delete or truncate the log', async () => {
    for (const table of ['audit_log', 'audit_checkpoints', 'audit_chain_start']) {
      await expect(deps.db.raw(`ALTER TABLE ${table} DISABLE TRIGGER USER`)).rejects.toThrow(/must be owner/);
      await expect(deps.db.raw(`DELETE FROM ${table}`)).rejects.toThrow(/permission denied/);
      await expect(deps.db.raw(`TRUNCATE ${table}`)).rejects.toThrow(/permission denied/);
    }
    await expect(deps.db.raw('DROP TRIGGER audit_log_no_update_delete ON audit_log')).rejects.toThrow(/must be owner/);
    await expect(deps.db.raw(`UPDATE audit_log SET actor = 'mallory'`)).rejects.toThrow(/permission denied/);
    await expect(deps.db.raw('SET session_replication_role = replica')).rejects.toThrow(/permission denied/);
    await expect(deps.db.raw('DROP TABLE audit_log')).rejects.toThrow(/must be owner/);
  });
});

// A real app on the file's own database and Redis prefix, and agents signed in per role
// through the real login + TOTP flow.
import crypto from 'node:crypto';
import path from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/logger';
import { buildDeps } from '../../server/bootstrap';
import { createApp, type LetheApp } from '../../server/app';
import type { Deps } from '../../server/deps';
import { totpNow } from '../../server/auth/totp';
import { createTestDatabase, testRedis, type TestDatabase } from './db';

export const POLICIES_DIR = path.resolve(import.meta.dirname, '../../policies');

export interface TestApp {
  deps: Deps;
  app: LetheApp;
  database: TestDatabase;
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function createTestApp(opts: { queue?: 'redis' | 'postgres'; policiesDir?: string; env?: Record<string, string> } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const redis = testRedis();
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    LETHE_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    LETHE_POLICIES_DIR: opts.policiesDir ?? POLICIES_DIR,
    LETHE_QUEUE_PREFIX: redis.prefix,
    LOG_LEVEL: 'silent',
    ...((opts.queue ?? 'redis') === 'redis' ? { REDIS_URL: redis.url } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const deps = await buildDeps(config, { databaseUrl: database.url, logger: createLogger('silent'), migrate: false });
  const app = createApp(deps);
  return {
    deps,
    app,
    database,
    env,
    async close() {
      await deps.queues.close();
      await deps.db.destroy();
      await database.drop();
    },
  };
}

export const PASSWORD = 'correct horse battery staple';

export async function createUser(t: TestApp, role: string, email = `${role}-${crypto.randomBytes(3).toString('hex')}@test.example`) {
  return t.deps.auth.createUser({ email, displayName: `Test ${role}`, role, password: PASSWORD }, 'system:test');
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1];
}

export interface SignedIn {
  agent: TestAgent;
  userId: string;
  email: string;
  totpSecret: string | null;
  csrf(): Promise<string>;
}

/** Signs in through the real pages: password, then TOTP enrolment or code where the role needs it. */
export async function signIn(t: TestApp, role: string): Promise<SignedIn> {
  const user = await createUser(t, role);
  const agent = request.agent(t.app);
  const loginPage = await agent.get('/login');
  let res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(loginPage.text), email: user.email, password: PASSWORD });
  let totpSecret: string | null = null;
  if (res.headers.location === '/mfa/enrol') {
    const enrol = await agent.get('/mfa/enrol');
    totpSecret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(enrol.text)![1];
    res = await agent.post('/mfa/enrol').type('form').send({ _csrf: csrfFrom(enrol.text), code: totpNow(totpSecret) });
    if (res.status !== 200) throw new Error(`enrolment failed: ${res.status}`);
  } else if (res.status !== 303 || res.headers.location !== '/') {
    throw new Error(`login failed: ${res.status} ${res.headers.location}`);
  }
  return {
    agent,
    userId: user.id,
    email: user.email,
    totpSecret,
    // Every signed-in page (even a 403) carries the sign-out form and so the session's token.
    csrf: async () => csrfFrom((await agent.get('/')).text),
  };
}

/** A token minted by its own (fictional) person, so two tokens are two pairs of eyes. */
export async function apiToken(t: TestApp, role: string, createdBy = `user:${crypto.randomUUID()}`): Promise<string> {
  const { token } = await t.deps.auth.createToken({ name: `test ${role}`, role }, createdBy);
  return token;
}

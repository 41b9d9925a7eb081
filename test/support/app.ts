// A real app on the file's own database and Redis prefix, and agents signed in per role
// through the real login + TOTP flow.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { loadConfig } from '../../server/config';
import { createLogger, type Logger } from '../../server/logger';
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

export async function createTestApp(
  opts: {
    queue?: 'redis' | 'postgres';
    policiesDir?: string;
    env?: Record<string, string>;
    database?: TestDatabase;
    migrate?: boolean;
    logger?: Logger;
    role?: string;
  } = {},
): Promise<TestApp> {
  // A database given by the caller (migrated here when asked) stays the caller's to drop.
  const database = opts.database ?? (await createTestDatabase());
  const redis = testRedis();
  // Its own data dir: a checkout's ./.lethe (the quick start's demo systems and files) never leaks in.
  const ownDataDir = opts.env?.LETHE_DATA_DIR ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-data-'));
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    ...(ownDataDir ? { LETHE_DATA_DIR: ownDataDir } : {}),
    LETHE_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    LETHE_POLICIES_DIR: opts.policiesDir ?? POLICIES_DIR,
    LETHE_QUEUE_PREFIX: redis.prefix,
    LOG_LEVEL: 'silent',
    ...((opts.queue ?? 'redis') === 'redis' ? { REDIS_URL: redis.url } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const deps = await buildDeps(config, {
    databaseUrl: database.url,
    logger: opts.logger ?? createLogger('silent'),
    migrate: opts.migrate ?? false,
    role: opts.role ?? 'test',
  });
  const app = createApp(deps);
  return {
    deps,
    app,
    database,
    env,
    async close() {
      await deps.policies.close();
      await deps.queues.close();
      await deps.db.destroy();
      if (!opts.database) await database.drop();
      if (ownDataDir) fs.rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
}

export const PASSWORD = 'correct horse battery staple';

export async function createUser(
  t: TestApp,
  role: string,
  email = `${role}-${crypto.randomBytes(3).toString('hex')}@test.example`,
) {
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
  let res = await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(loginPage.text), email: user.email, password: PASSWORD });
  let totpSecret: string | null = null;
  if (res.headers.location === '/mfa/enrol') {
    const enrol = await agent.get('/mfa/enrol');
    totpSecret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(enrol.text)![1];
    res = await agent
      .post('/mfa/enrol')
      .type('form')
      .send({ _csrf: csrfFrom(enrol.text), code: totpNow(totpSecret) });
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

/**
 * A personal token of a person holding `role` (a new user each time, so two tokens are two pairs
 * of eyes), or of the given owner ("user:<id>"), optionally limited to some permissions.
 */
export async function apiToken(t: TestApp, role: string, owner?: string, permissions?: string[]): Promise<string> {
  const ownerId = owner ? owner.slice('user:'.length) : (await createUser(t, role)).id;
  const outcome = await t.deps.auth.createToken({ name: `test ${role}`, permissions }, ownerId, `user:${ownerId}`);
  if (outcome.kind !== 'ok') throw new Error(outcome.message);
  return outcome.token;
}

/**
 * A TOTP code the user has not used yet, for re-authentication: the current step or the next,
 * whichever is after the last one they used (waiting when both are used). Never the previous
 * step: if a step boundary passes before the server checks it, that one is two steps old and
 * refused, which failed a CI run.
 */
export async function freshTotp(t: TestApp, userId: string): Promise<string> {
  const { authenticator } = await import('otplib');
  const user = await t.deps.db('users').where({ id: userId }).first('mfa_secret_enc', 'totp_last_step');
  const secret = t.deps.crypto.decrypt(user.mfa_secret_enc);
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    const last = user.totp_last_step === null ? -Infinity : Number(user.totp_last_step);
    const step = [now, now + 1].find((s) => s > last);
    if (step !== undefined) return authenticator.clone({ epoch: step * 30_000 + 15_000 }).generate(secret);
    await new Promise((r) => setTimeout(r, 1000));
    user.totp_last_step = (await t.deps.db('users').where({ id: userId }).first('totp_last_step')).totp_last_step;
  }
}

/** The API as one token holder: `post(path, body)` and `get(path)` under /api/v1, Bearer-authenticated. */
export function apiAs(app: LetheApp, token: string) {
  return {
    post: (p: string, body: object = {}) =>
      request(app).post(`/api/v1${p}`).set('authorization', `Bearer ${token}`).send(body),
    get: (p: string) => request(app).get(`/api/v1${p}`).set('authorization', `Bearer ${token}`),
  };
}

/** A supertest parser keeping the body as bytes (PDFs, archives): `.buffer(true).parse(binaryBody)`. */
export const binaryBody: Parameters<request.Test['parse']>[0] = (res, cb) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

// Starting data of the parallel erasure bench: Lethe's own database (migrated, the demo policy bundle
// active, two compliance officers) holding `subjects.length` erasure requests carried through the
// real service to "approved" (create → verify identity → four-eyes approval), kept as a template
// database beside the demo systems' templates. Every run clones all of them, so every worker count
// starts from the same bytes. The jobs the approvals enqueued go to a throw-away queue prefix that
// is deleted afterwards: each run enqueues its own, the way approve() does.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../server/config';
import { buildDeps } from '../server/bootstrap';
import { createLogger } from '../server/logger';
import { userPrincipal } from '../server/auth/principal';
import { createRequestService } from '../server/requests/service';
import { demoEnv } from '../server/demo/systems';
import { closeAllConnections } from '../server/systems/connections';
import { admin, urlOf, type Urls } from './erasure-data';

/** The environment every process of a run shares (bench, seeding, workers): the same keys, so results compare. */
export function benchEnv(
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
  systems: Urls,
): Record<string, string> & { LETHE_SECRET_KEY: string; LETHE_DATA_DIR: string } {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    LETHE_QUEUE_PREFIX: prefix,
    // Fixed keys: pseudonyms and hashes written into the systems depend on them.
    LETHE_SECRET_KEY: crypto.createHash('sha256').update('lethe erasure-parallel bench').digest('hex'),
    LETHE_REPORT_SIGNING_KEY: crypto.createHash('sha256').update('lethe erasure-parallel report').digest('hex'),
    LETHE_POLICIES_DIR: path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'policies'),
    LETHE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-par-')),
    ...demoEnv(systems),
  };
}

/** Deletes every Redis key under a queue prefix. */
export async function dropQueuePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.quit();
  }
}

/**
 * Creates (or reuses, when its comment matches `marker`) the Lethe template database `name`
 * with one approved erasure request per email, in the given order (reference PAR-000001, …).
 */
export async function ensureLetheTemplate(opts: {
  adminUrl: string;
  redisUrl: string;
  name: string;
  marker: string;
  systems: Urls;
  emails: string[];
}): Promise<{ generatedMs: number | null }> {
  const { adminUrl, name, marker } = opts;
  const [found] = await admin<{ comment: string | null }>(
    adminUrl,
    `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
    [name],
  );
  if (found?.comment === marker) return { generatedMs: null };
  const t = performance.now();
  await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = urlOf(adminUrl, name);
  const prefix = `lethe-par-seed-${crypto.randomBytes(4).toString('hex')}`;
  const env = benchEnv(url, opts.redisUrl, prefix, opts.systems);
  const deps = await buildDeps(loadConfig({ ...env, LOG_LEVEL: 'silent' }), {
    databaseUrl: url,
    logger: createLogger('silent'),
    migrate: true,
    role: 'bench-seed',
  });
  try {
    const password = crypto.randomBytes(18).toString('base64url');
    const officer = async (n: string) =>
      userPrincipal(
        await deps.auth.createUser(
          {
            email: `officer-${n}@bench.example`,
            displayName: `Bench officer ${n}`,
            role: 'compliance_officer',
            password,
          },
          'system:bench',
        ),
      );
    const [a, b] = [await officer('a'), await officer('b')];
    const svc = createRequestService(deps);
    // One after another: the references (and received_at) give the order every run enqueues in.
    for (const [i, email] of opts.emails.entries()) {
      const row = await svc.create(
        {
          type: 'erasure',
          regulation: 'gdpr',
          identity: { email },
          reference: `PAR-${String(i + 1).padStart(6, '0')}`,
        },
        a,
      );
      await svc.verify(row.id, { method: 'email_link', evidence: 'Link clicked from the address on file' }, a);
      await svc.approve(row.id, b);
    }
  } finally {
    // The process's pools to the demo systems (kept across jobs): open, they would stop the templates
    // from being cloned (CREATE DATABASE … TEMPLATE refuses a database with sessions).
    await closeAllConnections();
    await deps.policies.close();
    await deps.queues.close();
    await deps.db.destroy();
    await dropQueuePrefix(opts.redisUrl, prefix);
    fs.rmSync(env.LETHE_DATA_DIR, { recursive: true, force: true });
  }
  await admin(adminUrl, `COMMENT ON DATABASE ${name} IS '${marker}'`);
  return { generatedMs: performance.now() - t };
}

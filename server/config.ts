// The only module that reads process.env. Everything else receives a Config.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  LETHE_QUEUE_PREFIX: z.string().regex(/^[\w-]+$/).default('lethe'),
  LETHE_DATA_DIR: z.string().default('./.lethe'),
  LETHE_EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
  LETHE_POLICIES_DIR: z.string().default('./policies'),
  LETHE_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 32 bytes as 64 hex characters (openssl rand -hex 32)')
    .optional(),
  LETHE_UPLOAD_LIMIT_MB: z.coerce.number().positive().default(200),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.enum(['0', '1']).default('0'),
  LETHE_WATCH_POLICIES: z.enum(['0', '1']).optional(),
  LETHE_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl: string | null; // null: embedded PostgreSQL under dataDir
  redisUrl: string | null; // null: BullMQ's PostgreSQL backend on the same database
  queuePrefix: string;
  dataDir: string;
  embeddedPgPort: number;
  policiesDir: string;
  /** 32-byte master key; sub-keys for encryption, blind index, sessions are derived from it. */
  secretKey: Buffer;
  uploadLimitBytes: number;
  logLevel: string;
  trustProxy: boolean;
  watchPolicies: boolean;
  /** How often the worker re-enqueues work Postgres says is due but has no live job. */
  reconcileIntervalMs: number;
  /** Connection string of a registered data system, from the env var its data map names. */
  systemUrl(envName: string): string | undefined;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.LETHE_DATA_DIR);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`,
    databaseUrl: e.DATABASE_URL ?? null,
    redisUrl: e.REDIS_URL ?? null,
    queuePrefix: e.LETHE_QUEUE_PREFIX,
    dataDir,
    embeddedPgPort: e.LETHE_EMBEDDED_PG_PORT,
    policiesDir: path.resolve(e.LETHE_POLICIES_DIR),
    secretKey: resolveSecretKey(e.LETHE_SECRET_KEY, e.NODE_ENV, dataDir),
    uploadLimitBytes: Math.round(e.LETHE_UPLOAD_LIMIT_MB * 1024 * 1024),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY === '1',
    watchPolicies: e.LETHE_WATCH_POLICIES ? e.LETHE_WATCH_POLICIES === '1' : e.NODE_ENV === 'development',
    reconcileIntervalMs: e.LETHE_RECONCILE_INTERVAL_MS,
    // The demo's generated connection strings never stand in for a production setting.
    systemUrl: (name) => env[name] ?? (e.NODE_ENV === 'production' ? undefined : demoSystemUrls(dataDir)[name]),
  };
}

// Production must bring its own key. For a zero-setup demo a key is generated once and kept in
// the data folder (mode 0600) beside the embedded database it protects, so restarts can still
// decrypt what was stored.
function resolveSecretKey(hex: string | undefined, nodeEnv: string, dataDir: string): Buffer {
  if (hex) return Buffer.from(hex, 'hex');
  if (nodeEnv === 'production') {
    throw new ConfigError('Invalid configuration:\n  LETHE_SECRET_KEY: required in production (openssl rand -hex 32)');
  }
  const file = path.join(dataDir, 'secret.key');
  let stored: string | null = null;
  try {
    stored = fs.readFileSync(file, 'utf8').trim();
  } catch {
    stored = null;
  }
  if (stored !== null) {
    if (!/^[0-9a-fA-F]{64}$/.test(stored)) throw new ConfigError(`Invalid configuration:\n  ${file}: not a 32-byte hex key; remove it to generate a new one (data encrypted with the old key becomes unreadable)`);
    return Buffer.from(stored, 'hex');
  }
  {
    const key = crypto.randomBytes(32);
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, key.toString('hex'), { mode: 0o600 });
    return key;
  }
}

export const DEMO_SYSTEMS_FILE = 'demo-systems.json';

// The demo company's data systems are created by the seed in the same PostgreSQL server; their
// connection strings are kept beside the data they belong to, as defaults for env vars left unset.
function demoSystemUrls(dataDir: string): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, DEMO_SYSTEMS_FILE), 'utf8'));
  } catch {
    return {};
  }
}

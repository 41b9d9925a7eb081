// The only module that reads process.env. Everything else receives a Config.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { JOB_KINDS } from './job-queue';

/** Where the embedded database, keys and the demo's files live when LETHE_DATA_DIR is unset. */
export const DEFAULT_DATA_DIR = './.lethe';

/** LETHE_DUCKDB_THREADS, also read by `lethe reid --table` on a files system (it builds no deps). */
export const duckdbThreadsSetting = z.coerce.number().int().min(1).max(64).default(1);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  LETHE_QUEUE_PREFIX: z
    .string()
    .regex(/^[\w-]+$/)
    .default('lethe'),
  LETHE_DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
  LETHE_EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
  LETHE_POLICIES_DIR: z.string().default('./policies'),
  /** Where the demo looks for MariaDB/MySQL for its analytics system (`off`: keep it on PostgreSQL). */
  LETHE_DEMO_MYSQL_URL: z
    .string()
    .regex(/^((mysql|mariadb):\/\/.+|off)$/, 'must be a mysql:// URL or off')
    .default('mysql://root@127.0.0.1:3306'),
  LETHE_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 32 bytes as 64 hex characters (openssl rand -hex 32)')
    .optional(),
  /** Older master keys, read-only after `lethe keys rotate` (comma-separated, 64 hex each). */
  LETHE_SECRET_KEYRING: z
    .string()
    .regex(/^\s*[0-9a-fA-F]{64}(\s*,\s*[0-9a-fA-F]{64})*\s*$/, 'must be 64-hex keys separated by commas')
    .optional(),
  /** Owner connection for migrations when the application runs as a restricted role. */
  DATABASE_MIGRATION_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  LETHE_AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(100),
  /** /metrics: a bearer token, and/or the networks allowed to scrape (CIDR list). Loopback only by default. */
  LETHE_METRICS_TOKEN: z.string().min(16).optional(),
  LETHE_METRICS_NETWORKS: z.string().default('127.0.0.1/32,::1/128'),
  /** Anonymous requests per client address per minute (login page, sign-in, API errors, unknown paths). */
  LETHE_ANON_RATE_LIMIT: z.coerce.number().int().min(1).default(300),
  LETHE_UPLOAD_LIMIT_MB: z.coerce.number().positive().default(200),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.enum(['0', '1']).default('0'),
  LETHE_WATCH_POLICIES: z.enum(['0', '1']).optional(),
  LETHE_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** Jobs one worker process runs at once, per kind, over the job's own default: `erasure=1,report=2`. */
  LETHE_JOB_CONCURRENCY: z
    .string()
    .regex(/^\s*[a-z-]+\s*=\s*[1-9]\d*(\s*,\s*[a-z-]+\s*=\s*[1-9]\d*)*\s*$/, 'must be kind=n pairs separated by commas')
    .optional(),
  /**
   * Threads of the process's DuckDB (the files engine's reads). One: with more, each process's idle
   * DuckDB threads spun on cores the other workers and PostgreSQL needed (BENCHMARKS.md, erasures in parallel).
   */
  LETHE_DUCKDB_THREADS: duckdbThreadsSetting,
  /** How often a process re-reads the active policy bundle if a LISTEN notification was missed. */
  LETHE_POLICY_POLL_MS: z.coerce.number().int().min(100).default(5_000),
  /** Outgoing mail: an smtp:// or smtps:// URL; unset, messages are written as .eml files under the data dir. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().default('Lethe <lethe@localhost>'),
  /** Ed25519 key that signs issued reports: a PKCS#8 PEM, or its 32-byte seed as 64 hex (openssl rand -hex 32). */
  LETHE_REPORT_SIGNING_KEY: z
    .string()
    .refine(
      (v) => /^\s*[0-9a-fA-F]{64}\s*$/.test(v) || v.includes('BEGIN PRIVATE KEY'),
      'must be 64 hex characters (openssl rand -hex 32) or a PKCS#8 PEM',
    )
    .optional(),
  /** Uploads to the public /verify page, in MB. */
  LETHE_VERIFY_LIMIT_MB: z.coerce.number().positive().default(20),
  /** The public privacy center (/privacy-center): who the company is and what it tells data subjects. */
  LETHE_COMPANY_NAME: z.string().trim().min(1).max(200).default('Northwind Cloud'),
  LETHE_COMPANY_LOGO_URL: z
    .string()
    .refine((v) => v.startsWith('/') || /^https:\/\//.test(v), 'must be a path on this site or an https:// URL')
    .optional(),
  LETHE_PRIVACY_CENTER_INTRO: z
    .string()
    .max(2000)
    .default(
      'Ask us to erase the personal data we hold about you, or for a copy of it, and object to the use of your data to train AI models.',
    ),
  /** Where data subjects can write to (the data protection officer), shown on the privacy center and in emails. */
  LETHE_PRIVACY_CONTACT: z.string().trim().max(320).default(''),
  /** Named in a denial (GDPR Art. 12(4)): the authority a data subject may complain to. */
  LETHE_SUPERVISORY_AUTHORITY: z
    .string()
    .trim()
    .max(500)
    .default('the supervisory authority of the country where you live, work or where the infringement took place'),
  /** The regulation a privacy-center request falls under when the subject's region has no rule of its own. */
  LETHE_DEFAULT_REGULATION: z.enum(['gdpr', 'ccpa', 'lgpd']).default('gdpr'),
  /** The HMAC secret of the privacy center's CSRF tokens; derived from LETHE_SECRET_KEY when unset. */
  LETHE_PRIVACY_CENTER_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
});

export interface PrivacyCenterConfig {
  companyName: string;
  logoUrl: string | null;
  intro: string;
  contact: string;
  supervisoryAuthority: string;
  defaultRegulation: 'gdpr' | 'ccpa' | 'lgpd';
  /** Signs the double-submit CSRF tokens of the public forms (no session per visitor). */
  csrfSecret: Buffer;
}

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
  /** MariaDB/MySQL server the demo seed puts its analytics system on when it answers (null: never). */
  demoMysqlUrl: string | null;
  /** 32-byte master key; sub-keys for encryption, blind index, sessions are derived from it. */
  secretKey: Buffer;
  /** Older master keys: decrypt and verify only, never encrypt. */
  secretKeyring: Buffer[];
  migrationDatabaseUrl: string | null;
  auditCheckpointEvery: number;
  metricsToken: string | null;
  metricsNetworks: string[];
  anonRateLimitPerMinute: number;
  uploadLimitBytes: number;
  logLevel: string;
  trustProxy: boolean;
  watchPolicies: boolean;
  /** How often the worker re-enqueues work Postgres says is due but has no live job. */
  reconcileIntervalMs: number;
  /** Threads of the process's DuckDB (server/erasure/files/duckdb.ts). */
  duckdbThreads: number;
  /** Per job kind, how many jobs one worker process runs at once (unset kinds keep the job's default). */
  jobConcurrency: Record<string, number>;
  policyPollMs: number;
  smtpUrl: string | null;
  mailFrom: string;
  /** The Ed25519 private key reports are signed with (its public half is at /.well-known/lethe-report-key). */
  reportSigningKey: crypto.KeyObject;
  verifyUploadLimitBytes: number;
  privacyCenter: PrivacyCenterConfig;
  /** Connection string of a registered data system, from the env var its data map names. */
  systemUrl(envName: string): string | undefined;
  /** An alert channel's address or signing secret, from the LETHE_ALERT_… variable alerts.yaml names. */
  alertSetting(envName: string): string | undefined;
}

export class ConfigError extends Error {}

/** One variable of the process environment. This file is the only reader of process.env (eslint.config.js). */
export const envVar = (name: string): string | undefined => process.env[name];

/** The whole process environment, for a process's entry point to load its configuration from. */
export const processEnv = (): NodeJS.ProcessEnv => process.env;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.LETHE_DATA_DIR);
  const secretKey = resolveSecretKey(e.LETHE_SECRET_KEY, e.NODE_ENV, dataDir);
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
    demoMysqlUrl: e.LETHE_DEMO_MYSQL_URL === 'off' ? null : e.LETHE_DEMO_MYSQL_URL,
    secretKey,
    secretKeyring: (e.LETHE_SECRET_KEYRING ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean)
      .map((k) => Buffer.from(k, 'hex')),
    migrationDatabaseUrl: e.DATABASE_MIGRATION_URL ?? null,
    auditCheckpointEvery: e.LETHE_AUDIT_CHECKPOINT_EVERY,
    metricsToken: e.LETHE_METRICS_TOKEN ?? null,
    metricsNetworks: e.LETHE_METRICS_NETWORKS.split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    anonRateLimitPerMinute: e.LETHE_ANON_RATE_LIMIT,
    uploadLimitBytes: Math.round(e.LETHE_UPLOAD_LIMIT_MB * 1024 * 1024),
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY === '1',
    watchPolicies: e.LETHE_WATCH_POLICIES ? e.LETHE_WATCH_POLICIES === '1' : e.NODE_ENV === 'development',
    reconcileIntervalMs: e.LETHE_RECONCILE_INTERVAL_MS,
    duckdbThreads: e.LETHE_DUCKDB_THREADS,
    jobConcurrency: jobConcurrency(e.LETHE_JOB_CONCURRENCY ?? ''),
    policyPollMs: e.LETHE_POLICY_POLL_MS,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    reportSigningKey: resolveReportKey(e.LETHE_REPORT_SIGNING_KEY, e.NODE_ENV, dataDir),
    verifyUploadLimitBytes: Math.round(e.LETHE_VERIFY_LIMIT_MB * 1024 * 1024),
    privacyCenter: {
      companyName: e.LETHE_COMPANY_NAME,
      logoUrl: e.LETHE_COMPANY_LOGO_URL ?? null,
      intro: e.LETHE_PRIVACY_CENTER_INTRO,
      contact: e.LETHE_PRIVACY_CONTACT,
      supervisoryAuthority: e.LETHE_SUPERVISORY_AUTHORITY,
      defaultRegulation: e.LETHE_DEFAULT_REGULATION,
      csrfSecret: e.LETHE_PRIVACY_CENTER_SECRET
        ? Buffer.from(e.LETHE_PRIVACY_CENTER_SECRET)
        : Buffer.from(crypto.hkdfSync('sha256', secretKey, Buffer.alloc(0), 'lethe privacy-center csrf', 32)),
    },
    // The demo's generated connection strings never stand in for a production setting.
    systemUrl: (name) => env[name] ?? (e.NODE_ENV === 'production' ? undefined : demoSystemUrls(dataDir)[name]),
    alertSetting: (name) => (name.startsWith('LETHE_ALERT_') ? env[name] || undefined : undefined),
  };
}

function jobConcurrency(setting: string): Record<string, number> {
  const pairs = setting
    .split(',')
    .filter((p) => p.trim())
    .map((p) => p.split('=').map((x) => x.trim()));
  const unknown = pairs.filter(([kind]) => !(JOB_KINDS as readonly string[]).includes(kind)).map(([kind]) => kind);
  if (unknown.length)
    throw new ConfigError(
      `Invalid configuration:\n  LETHE_JOB_CONCURRENCY: unknown job kind ${unknown.join(', ')} (known: ${JOB_KINDS.join(', ')})`,
    );
  return Object.fromEntries(pairs.map(([kind, n]) => [kind, Number(n)]));
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
    if (!/^[0-9a-fA-F]{64}$/.test(stored))
      throw new ConfigError(
        `Invalid configuration:\n  ${file}: not a 32-byte hex key; remove it to generate a new one (data encrypted with the old key becomes unreadable)`,
      );
    return Buffer.from(stored, 'hex');
  }
  {
    const key = crypto.randomBytes(32);
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, key.toString('hex'), { mode: 0o600 });
    return key;
  }
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 private key from a PKCS#8 PEM or a 64-hex seed. */
export function ed25519PrivateKey(text: string): crypto.KeyObject {
  const t = text.trim().replace(/\\n/g, '\n');
  if (/^[0-9a-fA-F]{64}$/.test(t))
    return crypto.createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(t, 'hex')]),
      format: 'der',
      type: 'pkcs8',
    });
  const key = crypto.createPrivateKey(t);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ConfigError('Invalid configuration:\n  LETHE_REPORT_SIGNING_KEY: not an Ed25519 key');
  return key;
}

// Production brings its own signing key. Development keeps a generated one in the data folder
// (so reports stay verifiable across restarts); tests get one per process unless they set it.
function resolveReportKey(text: string | undefined, nodeEnv: string, dataDir: string): crypto.KeyObject {
  if (text) return ed25519PrivateKey(text);
  if (nodeEnv === 'production') {
    throw new ConfigError(
      'Invalid configuration:\n  LETHE_REPORT_SIGNING_KEY: required in production (openssl rand -hex 32)',
    );
  }
  if (nodeEnv === 'test') return (testReportKey ??= crypto.generateKeyPairSync('ed25519').privateKey);
  const file = path.join(dataDir, 'report-signing.key');
  try {
    return ed25519PrivateKey(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ConfigError(`Invalid configuration:\n  ${file}: not an Ed25519 key; remove it to generate a new one`);
  }
  const pem = crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch {
    // another process wrote it first: use theirs
  }
  return ed25519PrivateKey(fs.readFileSync(file, 'utf8'));
}
let testReportKey: crypto.KeyObject | undefined;

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

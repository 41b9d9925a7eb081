// The one way into the registered data systems. Every pool to a system the data map names is opened
// here, with its limits and timeouts, on the engine the map's `engine:` picks (./engines; `auto`: the
// connection string's scheme), and closed here: by its owner's destroy() (or given back to the
// process's pools, ./pool-registry.ts, for the next job), and at process shutdown by
// closeAllConnections() for any still open. The connection string comes from a resolver (config reads
// the env var the map names), so this module never touches process.env and tests can point systems
// at throw-away databases.
//
// Callers: the erasure and access-export walk (server/requests/erasure-bridge.ts), re-identification tests on
// a table (server/reid/measure-run.ts), training snapshots and bias checks (server/training/), the Systems
// page's checks (server/systems/service.ts, openSystem with tight timeouts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import type { Connections, Exclusive, ResolveUrl } from '../erasure/connections';
import { ErasureConfigError } from '../erasure/errors';
import type { SchemaInfo } from '../erasure/schema';
import type { DataMap, DataSystem } from '../policies/types';
import { engineFor, urlFitsEngine, type DataEngine } from './engines';
import type { PoolOptions } from './engines/types';
import { createPoolRegistry, type PoolLoan, type PoolRegistry } from './pool-registry';

export type { Connections, Exclusive, ResolveUrl } from '../erasure/connections';

export interface ConnectionOptions {
  /** Connections per system (default 2). */
  poolMax?: number;
  schemaTtlMs?: number;
  /** Server-side limit per statement; unset = the server's default. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  applicationName?: string;
  /** Lock wait limit per statement on every session (default 10 s). */
  lockTimeoutMs?: number;
  /**
   * Mutual exclusion of files rewrites (Connections.exclusive). Default: within this process only;
   * workers that share Lethe's database pass server/db/advisory-lock.ts's, which holds across processes.
   */
  exclusive?: Exclusive;
  /**
   * Borrow the pools from here and give them back on destroy() instead of closing them: the next
   * job of this process starts on warm connections (server/systems/pool-registry.ts). Unset: pools
   * of this Connections' own, closed by destroy().
   */
  pools?: PoolRegistry;
}

/** The process's pools kept across jobs (the erasure family's connectionsFor); closed by closeAllConnections. */
export const processPools = createPoolRegistry();

/** Within one process: callers with the same key run one after the other, in arrival order. */
export function inProcessExclusive(): Exclusive {
  const tails = new Map<string, Promise<unknown>>();
  return async (key, fn) => {
    const before = tails.get(key) ?? Promise.resolve();
    const mine = before.then(fn, fn);
    const tail = mine.catch(() => {});
    tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

/** The process-wide in-process lock: every Connections of this process shares it. */
export const processExclusive = inProcessExclusive();

/** A lock held elsewhere (a long report query) fails an erasure step as transient instead of hanging the job. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** Closers of every pool set still open, for closeAllConnections. */
const open = new Set<() => Promise<void>>();

/** Closes every pool still open (process shutdown). */
export async function closeAllConnections(): Promise<void> {
  await Promise.all([...open].map((close) => close().catch(() => {})));
  await processPools.close();
}

/**
 * Where each system is, from the configuration: the variable the map names; for a files system
 * without it, its `root:` under the data directory.
 */
export function resolverFor(config: { systemUrl(env: string): string | undefined; dataDir: string }): ResolveUrl {
  return (system) =>
    config.systemUrl(system.connectionEnv) ??
    (system.engine === 'files' && system.root ? path.join(config.dataDir, system.root) : undefined);
}

/** A files system's directory from what the resolver gave (a path or a file:// URL). */
export function rootOf(system: DataSystem, location: string | undefined): string {
  if (!location)
    throw new ErasureConfigError(
      `system ${system.name}: environment variable ${system.connectionEnv} is not set${system.root ? '' : ' and the map gives no root:'}`,
    );
  return path.resolve(location.startsWith('file:') ? fileURLToPath(location) : location);
}

/** The engine a system of the map runs on (`engine: auto` needs the connection string to tell). */
export function systemEngine(system: DataSystem, url?: string): DataEngine {
  return engineFor(system, url);
}

function openPool(system: DataSystem, url: string, opts: ConnectionOptions): Knex {
  return engineOf(system, url).open(url, poolOptions(opts));
}

function engineOf(system: DataSystem, url: string): DataEngine {
  const engine = engineFor(system, url);
  if (!urlFitsEngine(engine, url)) {
    throw new ErasureConfigError(
      `system ${system.name}: ${system.connectionEnv} does not hold a ${engine.name} connection string (expected ${engine.schemes.join(' or ')}//…)`,
    );
  }
  return engine;
}

const poolOptions = (opts: ConnectionOptions): PoolOptions => ({
  poolMax: opts.poolMax ?? 2,
  applicationName: opts.applicationName ?? 'lethe',
  lockTimeoutMs: opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
  ...(opts.statementTimeoutMs ? { statementTimeoutMs: opts.statementTimeoutMs } : {}),
  ...(opts.connectTimeoutMs ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
});

/** A pool borrowed from the registry, or one of the caller's own (released = destroyed). */
function lendPool(system: DataSystem, url: string, opts: ConnectionOptions): PoolLoan & { own: boolean } {
  const engine = engineOf(system, url);
  const options = poolOptions(opts);
  if (!opts.pools) return { db: engine.open(url, options), release() {}, own: true };
  const key = JSON.stringify([engine.name, url, options]);
  return { ...opts.pools.borrow(key, () => engine.open(url, options)), own: false };
}

/**
 * One pool per system of the map, opened (or borrowed from `opts.pools`) on first use; `destroy()`
 * closes them, or gives the borrowed ones back.
 */
export function createConnections(datamap: DataMap, resolveUrl: ResolveUrl, opts: ConnectionOptions = {}): Connections {
  const pools = new Map<string, PoolLoan & { own: boolean }>();
  const schemas = new Map<string, { at: number; info: Promise<SchemaInfo> }>();
  const ttl = opts.schemaTtlMs ?? 60_000;
  const systemOf = (name: string): DataSystem => {
    const system = datamap.systems.find((s) => s.name === name);
    if (!system) throw new ErasureConfigError(`system ${name} is not in the data map`);
    return system;
  };
  let closed = false;
  const get = (name: string): Knex => {
    const lent = pools.get(name);
    if (lent) return lent.db;
    // A branch still running when its caller gave up (a sibling in Promise.all failed) must not
    // open or borrow a pool nobody will close or give back.
    if (closed) throw new ErasureConfigError(`system ${name}: these connections are closed`);
    const system = systemOf(name);
    const url = resolveUrl(system);
    if (!url) throw new ErasureConfigError(`system ${name}: environment variable ${system.connectionEnv} is not set`);
    const loan = lendPool(system, url, opts);
    pools.set(name, loan);
    return loan.db;
  };
  const close = () => connections.destroy();
  const connections: Connections = {
    get,
    exclusive: opts.exclusive ?? processExclusive,
    dialect(name) {
      const system = systemOf(name);
      return engineFor(system, system.engine === 'auto' ? resolveUrl(system) : undefined).dialect;
    },
    root(name) {
      const system = systemOf(name);
      if (system.engine !== 'files') throw new ErasureConfigError(`system ${name} is a database, not files`);
      return rootOf(system, resolveUrl(system));
    },
    schema(name) {
      const hit = schemas.get(name);
      if (hit && Date.now() - hit.at < ttl) return hit.info;
      let info: Promise<SchemaInfo>;
      try {
        const system = systemOf(name);
        info = engineFor(system, system.engine === 'auto' ? resolveUrl(system) : undefined).introspect(get(name));
      } catch (err) {
        return Promise.reject(err as Error);
      }
      info.catch(() => schemas.delete(name));
      schemas.set(name, { at: Date.now(), info });
      return info;
    },
    async destroy() {
      closed = true;
      open.delete(close);
      const loans = [...pools.values()];
      pools.clear();
      loans.filter((l) => !l.own).forEach((l) => l.release());
      await Promise.all(loans.filter((l) => l.own).map((l) => l.db.destroy()));
      schemas.clear();
    },
  };
  open.add(close);
  return connections;
}

/** `createConnections` for the time `fn` runs, always closed afterwards. */
export async function withConnections<T>(
  datamap: DataMap,
  resolveUrl: ResolveUrl,
  opts: ConnectionOptions,
  fn: (c: Connections) => Promise<T>,
): Promise<T> {
  const connections = createConnections(datamap, resolveUrl, opts);
  try {
    return await fn(connections);
  } finally {
    await connections.destroy();
  }
}

export interface SystemHandle {
  db: Knex;
  engine: DataEngine;
  introspect(): Promise<SchemaInfo>;
  close(): Promise<void>;
}

/** One system alone, a single connection with tight timeouts (the Systems page's checks). */
export function openSystem(
  system: DataSystem,
  url: string,
  opts: ConnectionOptions & { timeoutMs: number },
): SystemHandle {
  const engine = engineFor(system, url);
  const db = openPool(system, url, {
    poolMax: 1,
    statementTimeoutMs: opts.timeoutMs,
    connectTimeoutMs: opts.timeoutMs,
    ...opts,
  });
  const close = async () => {
    open.delete(close);
    await settleWithin(db.destroy(), 1000);
  };
  open.add(close);
  return { db, engine, introspect: () => engine.introspect(db), close };
}

async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

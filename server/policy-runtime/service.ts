// The active policy bundle is one fact in Postgres (policy_active -> policy_bundles), followed by
// every process. A reload, from whichever path (UI, API, CLI, SIGHUP, file watch), validates the
// files, stores the bundle, moves the pointer and NOTIFYs; every process LISTENs and also polls,
// and a job re-reads the pointer before it runs (ensureAtLeast), so no process acts on an older
// bundle than the one a job was stamped with. An invalid bundle never replaces a good one.
import os from 'node:os';
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import { loadBundle } from '../policies/bundle';
import { currentBuild } from '../build-id';
import { compiledBundles } from './compiled-cache';
import type { BundleFile, PolicyBundle, Problem } from '../policies/types';
import type { AuditLog } from '../audit-log/service';
import type { Logger } from '../logger';
import { activeRow, findBundle, storeBundle, touchProcess, type ActiveRow } from './queries';

export const POLICY_CHANNEL = 'lethe_policy';

export interface BundleRejection {
  at: Date;
  problems: Problem[];
}

export type ReloadResult =
  | { ok: true; changed: boolean; previousHash: string; hash: string; pending?: { requestId: string } }
  | { ok: false; problems: Problem[]; activeHash: string };

export interface PolicyRuntime {
  current(): PolicyBundle;
  hash(): string;
  lastRejection(): BundleRejection | null;
  /** Validates the files in the bundle directory and, if good, activates them for every process. */
  reload(audit: AuditLog, actor: string): Promise<ReloadResult>;
  /** Activates a stored bundle (an approved activation request); the same checks as a reload. */
  activateStored(hash: string, audit: AuditLog, actor: string): Promise<ReloadResult>;
  /** Re-reads the pointer now and adopts the active bundle (what LISTEN and the poll call). */
  refresh(): Promise<void>;
  /**
   * Before a job runs: the process adopts the active bundle, which is `hash` or one activated after
   * it. Throws BundleUnavailableError when this process cannot load the active bundle.
   */
  ensureAtLeast(hash: string): Promise<PolicyBundle>;
  /** A stored bundle by hash (e.g. the one a request was approved under), or null. */
  stored(hash: string): Promise<PolicyBundle | null>;
  onChange(listener: (bundle: PolicyBundle) => void): () => void;
  /** This process's id in policy_processes. */
  processId: string;
  close(): Promise<void>;
}

export class InvalidBundleError extends Error {
  constructor(readonly problems: Problem[]) {
    super(
      `The policy bundle is invalid:\n${problems.map((p) => `  ${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n')}`,
    );
  }
}

/** Thrown when the active bundle (or the one a job needs) cannot be loaded by this process. */
export class BundleUnavailableError extends Error {
  override name = 'BundleUnavailableError';
}

export interface RuntimeOptions {
  /** Process role shown on /readyz and the admin page (web, worker, scheduler, all, cli, test). */
  role?: string;
  /** For LISTEN; without it the process follows the pointer by polling only. */
  databaseUrl?: string;
  pollMs?: number;
  /** The build whose validated bundles are kept (default: the compiled build's stamp; null: none). */
  build?: string | null;
  /** Signs the kept bundles (the `policy-cache` key); without it nothing is kept. */
  cacheKey?: Buffer;
}

/** The same files in the same order (what loadBundleFromFiles reads), so the same bundle. */
function sameFiles(files: BundleFile[], stored: { files: BundleFile[] } | undefined): boolean {
  return (
    stored !== undefined &&
    stored.files.length === files.length &&
    stored.files.every((f, i) => f.path === files[i].path && f.content === files[i].content)
  );
}

export async function createPolicyRuntime(
  db: Knex,
  dir: string,
  logger: Logger,
  opts: RuntimeOptions = {},
): Promise<PolicyRuntime> {
  const processId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const listeners = new Set<(b: PolicyBundle) => void>();
  let active: PolicyBundle;
  let rejection: BundleRejection | null = null;
  let problem: string | null = null;
  let closed = false;
  const build = opts.build === undefined ? currentBuild() : opts.build;
  const compiled = compiledBundles(db, build, opts.cacheKey ?? null, (e) =>
    logger.warn(
      { event: 'policy.cache.error', error: e.message },
      'the cache of validated policy bundles failed; the bundle is parsed instead',
    ),
  );

  const pointer = await activeRow(db);
  if (pointer) {
    const files = await loadBundle(dir, compiled.load);
    // Files identical to the stored active bundle load to the same bundle: no second parse.
    const stored =
      files.ok &&
      files.bundle.hash === pointer.hash &&
      sameFiles(files.bundle.files, await findBundle(db, pointer.hash))
        ? files
        : await loadStored(pointer.hash);
    if (!stored.ok) throw new InvalidBundleError(stored.problems);
    active = stored.bundle;
    rejection = rejectionOf(pointer);
    if (files.ok && files.bundle.hash !== active.hash) {
      logger.warn(
        { event: 'policy.files.differ', activeHash: active.hash, filesHash: files.bundle.hash },
        'the policy files differ from the active bundle; activate them with `lethe policy reload` (or SIGHUP, or the Policies page)',
      );
    }
  } else {
    // First start on this database: the files become the first active bundle.
    const first = await loadBundle(dir, compiled.load);
    if (!first.ok) throw new InvalidBundleError(first.problems);
    active = first.bundle;
    await db.transaction(async (trx) => {
      await storeBundle(trx, active);
      await trx('policy_active')
        .insert({ id: 1, hash: active.hash, activated_by: 'system:first-start' })
        .onConflict('id')
        .ignore();
    });
    const winner = await activeRow(db);
    if (winner && winner.hash !== active.hash) {
      const stored = await loadStored(winner.hash);
      if (stored.ok) active = stored.bundle;
    }
  }
  const role = opts.role ?? 'process';
  const report = () =>
    touchProcess(db, { id: processId, role, host: os.hostname(), pid: process.pid, hash: active.hash, problem }).catch(
      (e) =>
        logger.warn(
          { event: 'policy.process.report_failed', error: (e as Error).message },
          'could not record the bundle this process runs',
        ),
    );
  await report();

  async function loadStored(hash: string) {
    const row = await findBundle(db, hash);
    if (!row)
      return {
        ok: false as const,
        problems: [{ file: '.', line: 1, column: 1, message: `bundle ${hash} is not stored` }],
      };
    const loaded = await compiled.load(dir, row.files);
    if (loaded.ok && loaded.bundle.hash !== hash) {
      return {
        ok: false as const,
        problems: [{ file: '.', line: 1, column: 1, message: `stored bundle ${hash} hashes to ${loaded.bundle.hash}` }],
      };
    }
    return loaded;
  }

  function adopt(bundle: PolicyBundle) {
    if (bundle.hash === active.hash) return;
    const previousHash = active.hash;
    active = bundle;
    logger.info(
      { event: 'policy.bundle.adopted', previousHash, hash: bundle.hash, role },
      'this process now runs the active policy bundle',
    );
    for (const l of listeners) {
      try {
        l(bundle);
      } catch (e) {
        logger.error({ event: 'policy.listener.error', error: (e as Error).message });
      }
    }
  }

  /** Follows the pointer; returns the active row it followed (null if none). */
  async function follow(): Promise<ActiveRow | null> {
    const row = await activeRow(db);
    if (!row) return null;
    rejection = rejectionOf(row);
    if (row.hash !== active.hash) {
      const loaded = await loadStored(row.hash);
      if (!loaded.ok) {
        problem = `cannot load bundle ${row.hash}: ${loaded.problems[0]?.message ?? 'invalid'}`;
        logger.error(
          { event: 'policy.bundle.unloadable', hash: row.hash, problems: loaded.problems.length },
          'this process cannot load the active policy bundle',
        );
        await report();
        return row;
      }
      problem = null;
      adopt(loaded.bundle);
      await report();
    }
    return row;
  }

  let following: Promise<ActiveRow | null> | null = null;
  const refresh = () => (following ??= follow().finally(() => (following = null)));

  // LISTEN on a connection of its own; the poll covers a dropped connection or a missed message.
  let client: pg.Client | null = null;
  async function listen() {
    if (!opts.databaseUrl || closed) return;
    const c = new pg.Client({ connectionString: opts.databaseUrl });
    c.on('error', (e) => {
      logger.warn(
        { event: 'policy.listen.error', error: e.message },
        'policy LISTEN connection lost; polling until it is back',
      );
      client = null;
      c.end().catch(() => {});
      if (!closed) setTimeout(() => void listen().catch(() => {}), 2000).unref();
    });
    c.on(
      'notification',
      () => void refresh().catch((e) => logger.error({ event: 'policy.refresh.error', error: (e as Error).message })),
    );
    await c.connect();
    await c.query(`LISTEN ${POLICY_CHANNEL}`);
    client = c;
  }
  await listen().catch((e) =>
    logger.warn({ event: 'policy.listen.error', error: (e as Error).message }, 'policy LISTEN unavailable; polling'),
  );
  const poll = setInterval(() => {
    void refresh()
      .then(report)
      .catch((e) => logger.warn({ event: 'policy.poll.error', error: (e as Error).message }));
  }, opts.pollMs ?? 5000);
  poll.unref();

  /** Validated, stored and made active for every process, in one transaction with its audit entry. */
  async function activate(bundle: PolicyBundle, audit: AuditLog, actor: string): Promise<ReloadResult> {
    const result = await db.transaction(async (trx) => {
      await storeBundle(trx, bundle);
      const row = await trx<ActiveRow>('policy_active').where({ id: 1 }).forUpdate().first();
      const previousHash = row?.hash ?? active.hash;
      if (row && row.hash === bundle.hash) {
        if (row.rejection) await trx('policy_active').where({ id: 1 }).update({ rejection: null, rejected_at: null });
        return { ok: true as const, changed: false, previousHash, hash: bundle.hash };
      }
      await trx('policy_active')
        .insert({ id: 1, hash: bundle.hash, activated_by: actor, generation: 1 })
        .onConflict('id')
        .merge({
          hash: bundle.hash,
          activated_by: actor,
          activated_at: trx.fn.now(),
          generation: trx.raw('policy_active.generation + 1'),
          rejection: null,
          rejected_at: null,
        });
      await audit.append(
        {
          actor,
          action: 'policy.bundle.activated',
          target: `bundle:${bundle.hash}`,
          details: { previousHash, hash: bundle.hash },
          bundleHash: bundle.hash,
        },
        trx,
      );
      // Delivered at commit, to every process LISTENing (this one included).
      await trx.raw('SELECT pg_notify(?, ?)', [POLICY_CHANNEL, bundle.hash]);
      return { ok: true as const, changed: true, previousHash, hash: bundle.hash };
    });
    rejection = null;
    adopt(bundle);
    await report();
    if (result.changed)
      logger.info(
        { event: 'policy.bundle.activated', previousHash: result.previousHash, hash: bundle.hash, actor },
        'policy bundle activated',
      );
    return result;
  }

  return {
    processId,
    current: () => active,
    hash: () => active.hash,
    lastRejection: () => rejection,
    async reload(audit, actor) {
      const loaded = await loadBundle(dir, compiled.load);
      if (!loaded.ok) {
        rejection = { at: new Date(), problems: loaded.problems };
        const current = (await activeRow(db))?.hash ?? active.hash;
        await db('policy_active')
          .where({ id: 1 })
          .update({ rejected_at: rejection.at, rejection: JSON.stringify(loaded.problems.slice(0, 200)) });
        await db.raw('SELECT pg_notify(?, ?)', [POLICY_CHANNEL, current]);
        logger.error(
          { event: 'policy.bundle.rejected', problems: loaded.problems.length, activeHash: current },
          'policy bundle rejected; keeping the active one',
        );
        await audit.append({
          actor,
          action: 'policy.bundle.rejected',
          target: `bundle:${current}`,
          details: { problems: loaded.problems.slice(0, 50) },
        });
        return { ok: false, problems: loaded.problems, activeHash: current };
      }
      // Under a bundle that asks for it, a person's reload waits for a second person; the CLI,
      // SIGHUP and the file watch act on the host itself (break-glass, audited as themselves).
      const pointer = await activeRow(db);
      if (
        active.access.activationSecondPerson &&
        /^(user|token):/.test(actor) &&
        pointer?.hash !== loaded.bundle.hash
      ) {
        const requestId = await db.transaction(async (trx) => {
          await storeBundle(trx, loaded.bundle);
          await trx('policy_activation_requests')
            .whereNull('decided_at')
            .update({ decided_at: trx.fn.now(), outcome: 'superseded' });
          const [row] = await trx('policy_activation_requests')
            .insert({ hash: loaded.bundle.hash, requested_by: actor })
            .returning('id');
          await audit.append(
            {
              actor,
              action: 'policy.bundle.activation_requested',
              target: `bundle:${loaded.bundle.hash}`,
              details: { activeHash: pointer?.hash ?? active.hash, request: row.id },
            },
            trx,
          );
          return row.id as string;
        });
        return {
          ok: true,
          changed: false,
          previousHash: pointer?.hash ?? active.hash,
          hash: loaded.bundle.hash,
          pending: { requestId },
        };
      }
      return activate(loaded.bundle, audit, actor);
    },
    async activateStored(hash, audit, actor) {
      const loaded = await loadStored(hash);
      if (!loaded.ok) return { ok: false, problems: loaded.problems, activeHash: active.hash };
      return activate(loaded.bundle, audit, actor);
    },
    refresh: async () => {
      await refresh();
    },
    async ensureAtLeast(hash) {
      const row = await refresh();
      if (row && active.hash !== row.hash) {
        throw new BundleUnavailableError(
          `This process cannot load the active policy bundle ${row.hash.slice(0, 12)} (${problem ?? 'unknown problem'}); the job waits for a process that can.`,
        );
      }
      if (active.hash !== hash && !(await findBundle(db, hash))) {
        throw new BundleUnavailableError(
          `The job was stamped with policy bundle ${hash.slice(0, 12)}, which is not stored; it cannot tell whether the active bundle is newer.`,
        );
      }
      return active;
    },
    async stored(hash) {
      if (hash === active.hash) return active;
      const loaded = await loadStored(hash);
      return loaded.ok ? loaded.bundle : null;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      clearInterval(poll);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
      await compiled.settled();
      await db('policy_processes')
        .where({ id: processId })
        .del()
        .catch(() => {});
    },
  };
}

function rejectionOf(row: ActiveRow): BundleRejection | null {
  if (!row.rejected_at || !row.rejection) return null;
  return { at: new Date(row.rejected_at), problems: row.rejection as Problem[] };
}

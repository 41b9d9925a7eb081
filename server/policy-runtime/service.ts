// Holds the active policy bundle for this process. Loading a new one is all-or-nothing: an
// invalid bundle is reported (log, audit, dashboard) and the last good bundle stays active.
// Every distinct bundle is stored in Postgres so history and diffs survive the files changing.
import type { Knex } from 'knex';
import { loadBundle } from '../policies/bundle';
import type { PolicyBundle, Problem } from '../policies/types';
import type { AuditLog } from '../audit-log/service';
import type { Logger } from '../logger';
import { storeBundle } from './queries';

export interface BundleRejection {
  at: Date;
  problems: Problem[];
}

export type ReloadResult =
  | { ok: true; changed: boolean; previousHash: string; hash: string }
  | { ok: false; problems: Problem[]; activeHash: string };

export interface PolicyRuntime {
  current(): PolicyBundle;
  hash(): string;
  lastRejection(): BundleRejection | null;
  reload(audit: AuditLog, actor: string): Promise<ReloadResult>;
}

export class InvalidBundleError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`The policy bundle is invalid:\n${problems.map((p) => `  ${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n')}`);
  }
}

export async function createPolicyRuntime(db: Knex, dir: string, logger: Logger): Promise<PolicyRuntime> {
  const first = await loadBundle(dir);
  if (!first.ok) throw new InvalidBundleError(first.problems);
  let active = first.bundle;
  let rejection: BundleRejection | null = null;
  await storeBundle(db, active);

  return {
    current: () => active,
    hash: () => active.hash,
    lastRejection: () => rejection,
    async reload(audit, actor) {
      const loaded = await loadBundle(dir);
      if (!loaded.ok) {
        rejection = { at: new Date(), problems: loaded.problems };
        logger.error({ event: 'policy.bundle.rejected', problems: loaded.problems.length, activeHash: active.hash }, 'policy bundle rejected; keeping the active one');
        await audit.append({ actor, action: 'policy.bundle.rejected', target: `bundle:${active.hash}`, details: { problems: loaded.problems.slice(0, 50) } });
        return { ok: false, problems: loaded.problems, activeHash: active.hash };
      }
      rejection = null;
      const previousHash = active.hash;
      if (loaded.bundle.hash === previousHash) return { ok: true, changed: false, previousHash, hash: previousHash };
      active = loaded.bundle;
      await storeBundle(db, active);
      logger.info({ event: 'policy.bundle.activated', previousHash, hash: active.hash }, 'policy bundle activated');
      await audit.append({ actor, action: 'policy.bundle.activated', target: `bundle:${active.hash}`, details: { previousHash, hash: active.hash } });
      return { ok: true, changed: true, previousHash, hash: active.hash };
    },
  };
}

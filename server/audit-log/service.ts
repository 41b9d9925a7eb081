// Append-only, hash-chained audit log. Writers take a transaction-scoped advisory lock, so the
// chain never forks however many processes write at once, and an entry written inside a
// caller's transaction commits or rolls back with the state change it records.
import type { Knex } from 'knex';
import { entryHash, GENESIS_HASH } from './chain';
import { entriesAfter, insertEntry, lastEntry, type AuditRow } from './queries';

const CHAIN_LOCK = 0x1e7e_a0d1; // arbitrary constant naming "the audit-log chain" lock

export interface AuditEvent {
  actor: string; // "user:<id>", "token:<id>", "system:<process>", "anonymous"
  action: string; // dotted verb, e.g. "auth.login", "request.approve"
  target?: string;
  details?: Record<string, unknown>;
}

export type VerifyResult =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenSeq: number; reason: string };

export interface AuditLog {
  append(event: AuditEvent, trx?: Knex.Transaction): Promise<AuditRow>;
  head(): Promise<{ seq: number; hash: string } | null>;
  verify(): Promise<VerifyResult>;
}

export function createAuditLog(db: Knex, bundleHash: () => string): AuditLog {
  async function appendIn(trx: Knex.Transaction, event: AuditEvent): Promise<AuditRow> {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [CHAIN_LOCK]);
    const last = await lastEntry(trx);
    const prevHash = last?.hash ?? GENESIS_HASH;
    const fields = {
      seq: Number(last?.seq ?? 0) + 1,
      at: new Date(),
      actor: event.actor,
      action: event.action,
      target: event.target ?? '',
      details: event.details ?? {},
      bundleHash: bundleHash(),
    };
    const row: AuditRow = {
      seq: fields.seq,
      at: fields.at,
      actor: fields.actor,
      action: fields.action,
      target: fields.target,
      details: fields.details,
      bundle_hash: fields.bundleHash,
      prev_hash: prevHash,
      hash: entryHash(prevHash, fields),
    };
    await insertEntry(trx, row);
    return row;
  }

  return {
    append: (event, trx) => (trx ? appendIn(trx, event) : db.transaction((t) => appendIn(t, event))),
    async head() {
      const last = await lastEntry(db);
      return last ? { seq: Number(last.seq), hash: last.hash } : null;
    },
    async verify() {
      let prevHash = GENESIS_HASH;
      let expectedSeq = 1;
      let count = 0;
      for (;;) {
        const batch = await entriesAfter(db, expectedSeq - 1, 2000);
        if (batch.length === 0) break;
        for (const r of batch) {
          const seq = Number(r.seq);
          if (seq !== expectedSeq) return { ok: false, entries: count, brokenSeq: expectedSeq, reason: `entry ${expectedSeq} is missing` };
          if (r.prev_hash !== prevHash) return { ok: false, entries: count, brokenSeq: seq, reason: 'prev_hash does not match the previous entry' };
          const recomputed = entryHash(prevHash, {
            seq, at: r.at, actor: r.actor, action: r.action, target: r.target, details: r.details, bundleHash: r.bundle_hash,
          });
          if (recomputed !== r.hash) return { ok: false, entries: count, brokenSeq: seq, reason: 'content does not match its hash' };
          prevHash = r.hash;
          expectedSeq++;
          count++;
        }
      }
      return { ok: true, entries: count, head: prevHash };
    },
  };
}

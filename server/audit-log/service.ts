// Append-only, hash-chained audit log. Writers take a transaction-scoped advisory lock, so the
// chain never forks however many processes write at once, and an entry written inside a
// caller's transaction commits or rolls back with the state change it records.
//
// From the entry recorded in audit_chain_start on, every hash is an HMAC under the audit-log key
// (derived from LETHE_SECRET_KEY): whoever rewrites an entry cannot recompute the chain without
// it. Signed checkpoints of the head (every N entries, on every certificate and report, on
// export-head) and the heads printed in certificates let verify() see a log cut short.
import type { Knex } from 'knex';
import type { Crypto } from '../crypto';
import { checkpointMac, entryHash, GENESIS_HASH } from './chain';
import {
  allCheckpoints,
  certificateHeads,
  entriesAfter,
  insertCheckpoint,
  insertEntry,
  keyedFrom as readKeyedFrom,
  lastEntry,
  type AuditRow,
  type CheckpointRow,
} from './queries';

const CHAIN_LOCK = 0x1e7e_a0d1; // arbitrary constant naming "the audit-log chain" lock

export interface AuditEvent {
  actor: string; // "user:<id>", "token:<id>", "system:<process>", "anonymous"
  action: string; // dotted verb, e.g. "auth.login", "request.approve"
  target?: string;
  details?: Record<string, unknown>;
  /** The bundle the entry is stamped with, when it is not the process's active one (an activation names the bundle it activates). */
  bundleHash?: string;
}

export type VerifyResult =
  | {
      ok: true;
      entries: number;
      head: string;
      /** The seq of the last entry walked (0 for an empty log). */
      headSeq: number;
      /** The first entry checked: 1 for a full walk, else the seq of the signed checkpoint the walk started from. */
      from: number;
      /** The checkpoint an incremental walk started from (null: a full walk). */
      fromCheckpoint: string | null;
      checkpoints: number;
      certificates: number;
      keyedFrom: number | null;
    }
  | { ok: false; entries: number; brokenSeq: number; reason: string; missing?: { from: number; to: number } };

/** A head known from outside the database (`lethe audit export-head`, a report, a certificate PDF). */
export interface KnownHead {
  seq: number;
  hash: string;
}

export interface SignedHead {
  seq: number;
  hash: string;
  keyedFrom: number;
  reason: string;
  at: string;
  keyId: string;
  mac: string;
}

export interface AuditLog {
  append(event: AuditEvent, trx?: Knex.Transaction): Promise<AuditRow>;
  head(): Promise<{ seq: number; hash: string } | null>;
  /**
   * Writes a signed checkpoint of the current head and returns it. Certificates call it when
   * issued; report generation (issue 14) calls it with reason `report:<id>` and embeds the result.
   */
  recordCheckpoint(reason: string, trx?: Knex.Transaction): Promise<SignedHead | null>;
  /**
   * Walks the chain. With `from`, the walk starts at the newest signed checkpoint at or below that
   * seq ('last-checkpoint': the newest of all), trusted by its signature, and checks only the
   * entries after it; with no such checkpoint it walks everything.
   */
  verify(opts?: VerifyOptions): Promise<VerifyResult>;
}

export interface VerifyOptions {
  knownHeads?: KnownHead[];
  from?: 'last-checkpoint' | number;
}

export interface AuditLogOptions {
  crypto: Crypto;
  /** A signed checkpoint every this many entries. */
  checkpointEvery?: number;
}

const toSigned = (c: CheckpointRow): SignedHead => ({
  seq: Number(c.seq),
  hash: c.hash,
  keyedFrom: Number(c.keyed_from),
  reason: c.reason,
  at: new Date(c.at).toISOString(),
  keyId: c.key_id,
  mac: c.mac,
});

export function createAuditLog(db: Knex, bundleHash: () => string, opts: AuditLogOptions): AuditLog {
  const { crypto } = opts;
  const every = opts.checkpointEvery ?? 100;
  let keyedFromCache: number | null = null;
  // Recorded once by its migration and append-only: safe to keep once read. A missing record
  // (someone removed it) keys everything: the chain never silently drops back to plain hashes.
  const keyedFrom = async (t: Knex) => (keyedFromCache ??= (await readKeyedFrom(t)) ?? 1);

  async function checkpointIn(
    trx: Knex.Transaction,
    head: { seq: number; hash: string },
    reason: string,
  ): Promise<SignedHead> {
    const fields = {
      seq: head.seq,
      hash: head.hash,
      keyedFrom: await keyedFrom(trx),
      reason,
      at: new Date(),
      keyId: crypto.keyId,
    };
    const mac = checkpointMac(crypto.key('audit-log'), fields);
    const [row] = await insertCheckpoint(trx, {
      seq: fields.seq,
      hash: fields.hash,
      keyed_from: fields.keyedFrom,
      reason,
      at: fields.at,
      key_id: fields.keyId,
      mac,
    });
    return toSigned(row);
  }

  async function appendIn(trx: Knex.Transaction, event: AuditEvent): Promise<AuditRow> {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [CHAIN_LOCK]);
    const last = await lastEntry(trx);
    const prevHash = last?.hash ?? GENESIS_HASH;
    const seq = Number(last?.seq ?? 0) + 1;
    const keyId = seq >= (await keyedFrom(trx)) ? crypto.keyId : null;
    const fields = {
      seq,
      at: new Date(),
      actor: event.actor,
      action: event.action,
      target: event.target ?? '',
      details: event.details ?? {},
      bundleHash: event.bundleHash ?? bundleHash(),
      keyId,
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
      hash: entryHash(prevHash, fields, keyId ? crypto.key('audit-log') : null),
      key_id: keyId,
    };
    await insertEntry(trx, row);
    if (seq % every === 0) await checkpointIn(trx, row, 'periodic');
    return row;
  }

  async function checkpointLocked(trx: Knex.Transaction, reason: string) {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [CHAIN_LOCK]);
    const last = await lastEntry(trx);
    return last ? checkpointIn(trx, { seq: Number(last.seq), hash: last.hash }, reason) : null;
  }

  /** Why one entry is not what its hash says, given the hash before it (null: it is). */
  function entryProblem(r: AuditRow, prevHash: string, start: number): string | null {
    const seq = Number(r.seq);
    if (r.prev_hash !== prevHash) return 'prev_hash does not match the previous entry';
    if (seq >= start && !r.key_id) return `entry is not keyed although the keyed chain starts at entry ${start}`;
    const key = r.key_id ? crypto.keyFor('audit-log', r.key_id) : null;
    if (r.key_id && !key)
      return `entry is keyed under key ${r.key_id}, which is neither LETHE_SECRET_KEY nor in LETHE_SECRET_KEYRING`;
    const recomputed = entryHash(
      prevHash,
      {
        seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        target: r.target,
        details: r.details,
        bundleHash: r.bundle_hash,
        keyId: r.key_id,
      },
      key,
    );
    return recomputed === r.hash ? null : 'content does not match its hash';
  }

  return {
    append: (event, trx) => (trx ? appendIn(trx, event) : db.transaction((t) => appendIn(t, event))),
    recordCheckpoint: (reason, trx) =>
      trx ? checkpointLocked(trx, reason) : db.transaction((t) => checkpointLocked(t, reason)),
    async head() {
      const last = await lastEntry(db);
      return last ? { seq: Number(last.seq), hash: last.hash } : null;
    },
    async verify(options = {}) {
      const start = await readKeyedFrom(db);
      if (start === null)
        return { ok: false, entries: 0, brokenSeq: 1, reason: 'the record of where the keyed chain starts is missing' };
      // Heads recorded elsewhere must still be in the chain, with the same hash.
      const recorded: { seq: number; hash: string; source: string }[] = [];
      const checkpoints = await allCheckpoints(db);
      const valid: { seq: number; hash: string; id: string }[] = [];
      for (const c of checkpoints) {
        const key = crypto.keyFor('audit-log', c.key_id);
        const s = toSigned(c);
        if (!key || checkpointMac(key, { ...s, at: new Date(s.at) }) !== c.mac) {
          return {
            ok: false,
            entries: 0,
            brokenSeq: s.seq,
            reason: `checkpoint ${c.id} at entry ${s.seq} has no valid signature`,
          };
        }
        if (s.keyedFrom !== start)
          return {
            ok: false,
            entries: 0,
            brokenSeq: start,
            reason: `the keyed chain start was moved: checkpoint ${c.id} records entry ${s.keyedFrom}, the start record says ${start}`,
          };
        recorded.push({ seq: s.seq, hash: s.hash, source: `checkpoint ${c.id} (${s.reason})` });
        valid.push({ seq: s.seq, hash: s.hash, id: String(c.id) });
      }
      const certs = await certificateHeads(db);
      for (const c of certs)
        recorded.push({
          seq: Number(c.audit_head_seq),
          hash: c.audit_head_hash,
          source: `the certificate of request ${c.request_id}`,
        });
      for (const h of options.knownHeads ?? []) recorded.push({ seq: h.seq, hash: h.hash, source: 'the head given' });
      // An incremental walk starts at a checkpoint whose signature was just checked: its entry must
      // still carry the signed hash and that hash must be the entry's own, so the start is trusted
      // by the signature, not by the row. Entries before it are not walked (that is the point).
      const limit = options.from === 'last-checkpoint' ? Infinity : options.from;
      const anchor =
        limit === undefined
          ? undefined
          : valid
              .filter((c) => c.seq <= limit)
              .reduce<(typeof valid)[number] | undefined>(
                (best, c) => (!best || c.seq > best.seq ? c : best),
                undefined,
              );
      let prevHash = GENESIS_HASH;
      let expectedSeq = 1;
      let count = 0;
      if (anchor) {
        const [row] = await entriesAfter(db, anchor.seq - 1, 1);
        const where = `entry ${anchor.seq} of checkpoint ${anchor.id}`;
        if (!row || Number(row.seq) !== anchor.seq)
          return {
            ok: false,
            entries: 0,
            brokenSeq: anchor.seq,
            reason: `${where} is missing`,
            missing: { from: anchor.seq, to: anchor.seq },
          };
        if (row.hash !== anchor.hash)
          return { ok: false, entries: 0, brokenSeq: anchor.seq, reason: `${where} differs from the signed hash` };
        const broken = entryProblem(row, row.prev_hash, start);
        if (broken) return { ok: false, entries: 0, brokenSeq: anchor.seq, reason: `${where}: ${broken}` };
        prevHash = row.hash;
        expectedSeq = anchor.seq + 1;
        count = 1;
      }
      const from = anchor?.seq ?? 1;
      const wanted = new Set(recorded.map((h) => h.seq));
      const hashes = new Map<number, string>(anchor ? [[anchor.seq, anchor.hash]] : []);
      for (;;) {
        const batch = await entriesAfter(db, expectedSeq - 1, 2000);
        if (batch.length === 0) break;
        for (const r of batch) {
          const seq = Number(r.seq);
          if (seq !== expectedSeq)
            return {
              ok: false,
              entries: count,
              brokenSeq: expectedSeq,
              reason: `entries ${expectedSeq}-${seq - 1} are missing`,
              missing: { from: expectedSeq, to: seq - 1 },
            };
          const broken = entryProblem(r, prevHash, start);
          if (broken) return { ok: false, entries: count, brokenSeq: seq, reason: broken };
          if (wanted.has(seq)) hashes.set(seq, r.hash);
          prevHash = r.hash;
          expectedSeq++;
          count++;
        }
      }
      const lastSeq = expectedSeq - 1;
      const beyond = recorded.filter((h) => h.seq > lastSeq).sort((a, b) => b.seq - a.seq);
      if (beyond.length) {
        const top = beyond[0];
        return {
          ok: false,
          entries: count,
          brokenSeq: lastSeq + 1,
          reason: `entries ${lastSeq + 1}-${top.seq} are missing: ${top.source} records the head at entry ${top.seq}, the log ends at ${lastSeq}`,
          missing: { from: lastSeq + 1, to: top.seq },
        };
      }
      for (const h of recorded) {
        if (h.seq < from) continue; // before the signed start: not walked
        if (hashes.get(h.seq) !== h.hash)
          return {
            ok: false,
            entries: count,
            brokenSeq: h.seq,
            reason: `entry ${h.seq} differs from the head recorded in ${h.source}`,
          };
      }
      return {
        ok: true,
        entries: count,
        head: prevHash,
        headSeq: expectedSeq - 1,
        from,
        fromCheckpoint: anchor?.id ?? null,
        checkpoints: checkpoints.length,
        certificates: certs.length,
        keyedFrom: start,
      };
    },
  };
}

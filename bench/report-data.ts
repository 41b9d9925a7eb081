// Data for the report tests and benchmark: requests (with erasure steps), re-identification runs
// and audit-log entries spread over a period, inserted in bulk. Audit entries are chained with the
// real hash function and key, so the chain verifies exactly as one written entry by entry.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Crypto } from '../server/crypto';
import { entryHash, GENESIS_HASH } from '../server/audit-log/chain';
import { seededRandom as rng } from './reid-generate';

const DAY = 86_400_000;
const SYSTEMS = ['crm', 'billing', 'support', 'analytics'];
const ACTIONS = [
  'request.create',
  'request.verify',
  'request.approve',
  'request.running',
  'auth.login',
  'reid.finish',
  'audit.overdue_requests.passed',
  'audit.retention_sweep.failed',
  'policy.bundle.activated',
];

export interface SeedOptions {
  from: Date;
  days: number;
  requests: number;
  auditEntries: number;
  reidRuns: number;
  seed?: number;
}

export async function seedRequests(db: Knex, o: SeedOptions): Promise<void> {
  const rand = rng(o.seed ?? 14);
  const regs = ['gdpr', 'ccpa', 'lgpd'];
  for (let i = 0; i < o.requests; i += 1000) {
    const rows = [];
    const steps = [];
    for (let j = i; j < Math.min(o.requests, i + 1000); j++) {
      const id = crypto.randomUUID();
      const received = new Date(o.from.getTime() + Math.floor(rand() * o.days * DAY));
      const due = new Date(received.getTime() + 30 * DAY);
      const closed = rand() < 0.8;
      const completed = closed ? new Date(received.getTime() + Math.floor(rand() * 40 * DAY)) : null;
      const type = rand() < 0.7 ? 'erasure' : 'access';
      rows.push({
        id,
        type,
        regulation: regs[Math.floor(rand() * 3)],
        status: closed ? 'completed' : 'approved',
        identity_index: crypto.randomBytes(16).toString('hex'),
        submitted_by: 'system:seed',
        received_at: received,
        due_at: due,
        extended_at: rand() < 0.1 ? new Date(received.getTime() + 20 * DAY) : null,
        completed_at: completed,
      });
      if (type === 'erasure' && closed) {
        for (const [p, system] of SYSTEMS.slice(0, 1 + Math.floor(rand() * 4)).entries()) {
          steps.push({
            request_id: id,
            step_key: `${system}.t`,
            position: p,
            system,
            dataset: 't',
            status: 'done',
            rows_affected: 1 + Math.floor(rand() * 5),
            rows_kept: Math.floor(rand() * 2),
          });
        }
      }
    }
    await db('requests').insert(rows);
    if (steps.length) await db.batchInsert('request_steps', steps, 1000);
  }
}

export async function seedReidRuns(db: Knex, o: SeedOptions): Promise<void> {
  const rand = rng((o.seed ?? 14) + 1);
  const rows = [];
  for (let i = 0; i < o.reidRuns; i++) {
    const finished = new Date(o.from.getTime() + Math.floor(rand() * o.days * DAY));
    rows.push({
      dataset: `ds${i % 7}`,
      source: 'csv',
      release_kind: 'internal',
      options: JSON.stringify({ quasi: ['age'], sensitive: [] }),
      status: 'done',
      passed: rand() < 0.6,
      requested_by: 'system:seed',
      finished_at: finished,
    });
  }
  if (rows.length) await db.batchInsert('reid_runs', rows, 1000);
}

/** Appends chained audit-log entries, spread over the period, after the current head. */
export async function seedAuditLog(db: Knex, crypto_: Crypto, bundleHash: string, o: SeedOptions): Promise<void> {
  const rand = rng((o.seed ?? 14) + 2);
  const last = await db('audit_log').orderBy('seq', 'desc').first('seq', 'hash');
  const start = await db('audit_chain_start').where({ id: 1 }).first('keyed_from');
  const keyedFrom = Number(start?.keyed_from ?? 1);
  let prev = last?.hash ?? GENESIS_HASH;
  let seq = Number(last?.seq ?? 0);
  // Spaced evenly over the period (the chain orders entries by seq, not by time).
  const from = o.from.getTime();
  const step = Math.max(1, Math.floor((o.days * DAY) / Math.max(1, o.auditEntries)));
  const key = crypto_.key('audit-log');
  for (let i = 0; i < o.auditEntries; i += 1000) {
    const rows = [];
    for (let j = i; j < Math.min(o.auditEntries, i + 1000); j++) {
      seq++;
      const action = ACTIONS[Math.floor(rand() * ACTIONS.length)];
      const details = action.startsWith('audit.')
        ? {
            jobId: `seed:${seq}`,
            tickAt: '2026-01-01T00:00:00.000Z',
            ok: !action.endsWith('failed'),
            checked: Math.floor(rand() * 100),
          }
        : action === 'policy.bundle.activated'
          ? { hash: crypto.createHash('sha256').update(String(seq)).digest('hex'), previousHash: prev.slice(0, 64) }
          : { n: j };
      const keyId = seq >= keyedFrom ? crypto_.keyId : null;
      const fields = {
        seq,
        at: new Date(from + j * step),
        actor: `user:${(j % 17).toString(16).padStart(8, '0')}`,
        action,
        target: action.startsWith('audit.') ? 'schedule:nightly' : `request:${j}`,
        details,
        bundleHash,
        keyId,
      };
      const hash = entryHash(prev, fields, keyId ? key : null);
      rows.push({
        seq,
        at: fields.at,
        actor: fields.actor,
        action,
        target: fields.target,
        details: JSON.stringify(details),
        bundle_hash: bundleHash,
        prev_hash: prev,
        hash,
        key_id: keyId,
      });
      prev = hash;
    }
    await db('audit_log').insert(rows);
  }
}

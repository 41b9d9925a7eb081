// Gathering: each report kind reads Postgres into a plain data model (figures) plus the row
// streams its appendices list. Rows come through a cursor (knex .stream(), pg-query-stream), so
// 50,000 audit entries or 10,000 requests never sit in one array.
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { VerifyResult } from '../audit-log/service';

export interface Period {
  from: string; // YYYY-MM-DD, inclusive, UTC
  to: string; // YYYY-MM-DD, inclusive, UTC
}

/** [start, end) instants of an inclusive day period in UTC. */
export function bounds(p: Period): { start: Date; end: Date } {
  return {
    start: new Date(`${p.from}T00:00:00Z`),
    end: new Date(new Date(`${p.to}T00:00:00Z`).getTime() + 86_400_000),
  };
}

export type Row = string[];

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : '');
const day = (d: Date | string | null) => (d ? new Date(d).toISOString().slice(0, 10) : '');

// ------------------------------------------------------------------ quarterly compliance report

export interface QuarterlyData {
  period: Period;
  requests: {
    total: number;
    byTypeAndRegulation: { type: string; regulation: string; count: number }[];
    byMonth: { month: string; erasure: number; access: number }[];
  };
  closing: { closed: number; medianDays: number | null; p95Days: number | null };
  deadlines: { due: number; breaches: number; extensions: number };
  erasuresBySystem: { system: string; requests: number; rowsErased: number; rowsKept: number }[];
  reid: { runs: number; passed: number; failed: number; byMonth: { month: string; passed: number; failed: number }[] };
  bundles: { at: string; hash: string; previousHash: string }[];
  audits: { kind: string; runs: number; passed: number; failed: number }[];
  findings: { seq: number; at: string; kind: string; summary: string }[];
  useCases: { status: string; count: number }[] | null;
}

export async function gatherQuarterly(db: Knex, period: Period): Promise<QuarterlyData> {
  const { start, end } = bounds(period);
  const inPeriod = [start, end];
  const byTR = await db('requests')
    .where('received_at', '>=', start)
    .andWhere('received_at', '<', end)
    .select('type', 'regulation')
    .count<{ type: string; regulation: string; count: string }[]>({ count: '*' })
    .groupBy('type', 'regulation')
    .orderBy(['type', 'regulation']);
  const months = await db.raw<{ rows: { month: string; type: string; count: string }[] }>(
    `SELECT to_char(date_trunc('month', received_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month, type, count(*) AS count
       FROM requests WHERE received_at >= ? AND received_at < ? GROUP BY 1, 2 ORDER BY 1`,
    inPeriod,
  );
  const monthMap = new Map<string, { month: string; erasure: number; access: number }>();
  for (const r of months.rows) {
    const m = monthMap.get(r.month) ?? { month: r.month, erasure: 0, access: 0 };
    if (r.type === 'erasure' || r.type === 'access') m[r.type] += num(r.count);
    monthMap.set(r.month, m);
  }
  const closing = (
    await db.raw<{ rows: { closed: string; median: string | null; p95: string | null }[] }>(
      `SELECT count(*) AS closed,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - received_at) / 86400) AS median,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - received_at) / 86400) AS p95
         FROM requests WHERE completed_at >= ? AND completed_at < ?`,
      inPeriod,
    )
  ).rows[0];
  const deadlines = (
    await db.raw<{ rows: { due: string; breaches: string }[] }>(
      `SELECT count(*) AS due,
              count(*) FILTER (WHERE coalesce(completed_at, now()) > due_at) AS breaches
         FROM requests WHERE due_at >= ? AND due_at < ?`,
      inPeriod,
    )
  ).rows[0];
  const [{ count: extensions }] = await db('requests')
    .where('extended_at', '>=', start)
    .andWhere('extended_at', '<', end)
    .count<{ count: string }[]>({ count: '*' });
  const systems = await db.raw<{ rows: { system: string; requests: string; erased: string; kept: string }[] }>(
    `SELECT s.system, count(DISTINCT s.request_id) AS requests, coalesce(sum(s.rows_affected), 0) AS erased, coalesce(sum(s.rows_kept), 0) AS kept
       FROM request_steps s JOIN requests r ON r.id = s.request_id
      WHERE r.type = 'erasure' AND r.completed_at >= ? AND r.completed_at < ? AND s.status = 'done'
      GROUP BY s.system ORDER BY s.system`,
    inPeriod,
  );
  const reid = await db.raw<{ rows: { month: string; passed: string; failed: string }[] }>(
    `SELECT to_char(date_trunc('month', finished_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
            count(*) FILTER (WHERE passed) AS passed, count(*) FILTER (WHERE NOT passed) AS failed
       FROM reid_runs WHERE status = 'done' AND finished_at >= ? AND finished_at < ? GROUP BY 1 ORDER BY 1`,
    inPeriod,
  );
  const reidMonths = reid.rows.map((r) => ({ month: r.month, passed: num(r.passed), failed: num(r.failed) }));
  const bundles = await db('audit_log')
    .where({ action: 'policy.bundle.activated' })
    .andWhere('at', '>=', start)
    .andWhere('at', '<', end)
    .orderBy('seq')
    .select('at', 'details');
  const audits = await db.raw<{ rows: { kind: string; runs: string; passed: string; failed: string }[] }>(
    `SELECT substring(action FROM '^audit\\.(.*)\\.[a-z]+$') AS kind, count(*) AS runs,
            count(*) FILTER (WHERE action LIKE '%.passed') AS passed, count(*) FILTER (WHERE action LIKE '%.failed') AS failed
       FROM audit_log WHERE action ~ '^audit\\.[a-z_]+\\.(passed|failed)$' AND at >= ? AND at < ? GROUP BY 1 ORDER BY 1`,
    inPeriod,
  );
  const findings = await db('audit_log')
    .whereRaw(`action ~ '^audit\\.[a-z_]+\\.failed$'`)
    .andWhere('at', '>=', start)
    .andWhere('at', '<', end)
    .orderBy('seq')
    .limit(200)
    .select('seq', 'at', 'action', 'details');
  return {
    period,
    requests: {
      total: byTR.reduce((s, r) => s + num(r.count), 0),
      byTypeAndRegulation: byTR.map((r) => ({ type: r.type, regulation: r.regulation, count: num(r.count) })),
      byMonth: [...monthMap.values()],
    },
    closing: {
      closed: num(closing.closed),
      medianDays: closing.median === null ? null : Number(closing.median),
      p95Days: closing.p95 === null ? null : Number(closing.p95),
    },
    deadlines: { due: num(deadlines.due), breaches: num(deadlines.breaches), extensions: num(extensions) },
    erasuresBySystem: systems.rows.map((r) => ({
      system: r.system,
      requests: num(r.requests),
      rowsErased: num(r.erased),
      rowsKept: num(r.kept),
    })),
    reid: {
      runs: reidMonths.reduce((s, m) => s + m.passed + m.failed, 0),
      passed: reidMonths.reduce((s, m) => s + m.passed, 0),
      failed: reidMonths.reduce((s, m) => s + m.failed, 0),
      byMonth: reidMonths,
    },
    bundles: bundles.map((b) => ({
      at: iso(b.at),
      hash: String(b.details?.hash ?? ''),
      previousHash: String(b.details?.previousHash ?? ''),
    })),
    audits: audits.rows.map((r) => ({ kind: r.kind, runs: num(r.runs), passed: num(r.passed), failed: num(r.failed) })),
    findings: findings.map((f) => ({
      seq: Number(f.seq),
      at: iso(f.at),
      kind: f.action.replace(/^audit\./, '').replace(/\.failed$/, ''),
      summary: findingSummary(f.details),
    })),
    useCases: await useCaseDecisions(db, start, end),
  };
}

function findingSummary(details: Record<string, unknown>): string {
  const d = { ...details };
  delete d.jobId;
  delete d.tickAt;
  delete d.ok;
  return Object.entries(d)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('; ')
    .slice(0, 300);
}

// The board's decisions on AI use cases (issue 15), by outcome and risk tier; absent before that
// area's tables exist.
async function useCaseDecisions(db: Knex, start: Date, end: Date): Promise<QuarterlyData['useCases']> {
  const { rows } = await db.raw<{ rows: { t: string | null }[] }>(
    `SELECT to_regclass('use_case_decisions')::text AS t`,
  );
  if (!rows[0]?.t) return null;
  const r = await db('use_case_decisions')
    .where('decided_at', '>=', start)
    .andWhere('decided_at', '<', end)
    .select('outcome', 'tier')
    .count<{ outcome: string; tier: string; count: string }[]>({ count: '*' })
    .groupBy('outcome', 'tier')
    .orderBy(['outcome', 'tier']);
  return r.map((x) => ({
    status: `${x.outcome.replace(/_/g, ' ')} (${x.tier.replace(/_/g, ' ')} risk)`,
    count: num(x.count),
  }));
}

/** The requests received in the period, one row each, through a cursor. */
export async function* requestRows(db: Knex, period: Period): AsyncIterable<Row> {
  const { start, end } = bounds(period);
  const stream = db('requests')
    .where('received_at', '>=', start)
    .andWhere('received_at', '<', end)
    .orderBy(['received_at', 'id'])
    .select('id', 'type', 'regulation', 'status', 'received_at', 'due_at', 'completed_at', 'extended_at')
    .stream({ highWaterMark: 500 });
  for await (const r of stream) {
    const days = r.completed_at
      ? ((new Date(r.completed_at).getTime() - new Date(r.received_at).getTime()) / 86_400_000).toFixed(1)
      : '';
    const late = (r.completed_at ? new Date(r.completed_at) : new Date()) > new Date(r.due_at);
    yield [
      String(r.id).slice(0, 8),
      r.type,
      r.regulation,
      r.status,
      day(r.received_at),
      day(r.due_at),
      day(r.completed_at),
      days,
      r.extended_at ? 'yes' : '',
      late ? 'late' : '',
    ];
  }
}

// ------------------------------------------------------------------ audit-log extract

export interface AuditLogData {
  period: Period;
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  byAction: { action: string; count: number }[];
  verification: VerifyResult;
}

export async function gatherAuditLog(deps: Pick<Deps, 'db' | 'audit'>, period: Period): Promise<AuditLogData> {
  const { start, end } = bounds(period);
  const q = () => deps.db('audit_log').where('at', '>=', start).andWhere('at', '<', end);
  const [agg] = await q().select(deps.db.raw('count(*) AS n, min(seq) AS first, max(seq) AS last'));
  const byAction = await q()
    .select('action')
    .count<{ action: string; count: string }[]>({ count: '*' })
    .groupBy('action')
    .orderBy([{ column: 'count', order: 'desc' }, 'action']);
  // The chain is verified whole: an entry of the period is only as good as every entry before it.
  const verification = await deps.audit.verify();
  return {
    period,
    entries: num(agg.n),
    firstSeq: agg.first === null ? null : Number(agg.first),
    lastSeq: agg.last === null ? null : Number(agg.last),
    byAction: byAction.map((r) => ({ action: r.action, count: num(r.count) })),
    verification,
  };
}

export async function* auditLogRows(db: Knex, period: Period): AsyncIterable<Row> {
  const { start, end } = bounds(period);
  const stream = db('audit_log')
    .where('at', '>=', start)
    .andWhere('at', '<', end)
    .orderBy('seq')
    .select('seq', 'at', 'actor', 'action', 'target', 'hash')
    .stream({ highWaterMark: 1000 });
  for await (const r of stream)
    yield [String(r.seq), iso(r.at).replace('T', ' ').slice(0, 19), r.actor, r.action, r.target, r.hash];
}

// ------------------------------------------------------------------ audit-run report

export interface AuditRunData {
  seq: number;
  jobId: string | null;
  kind: string;
  schedule: string;
  at: string;
  passed: boolean;
  evidence: [string, string][];
  history: { seq: number; at: string; passed: boolean }[];
  bundleHash: string;
  entryHash: string;
}

/** An audit run is the audit-log entry recording its result: found by its seq or its job id. */
export async function gatherAuditRun(db: Knex, run: string): Promise<AuditRunData | null> {
  const q = db('audit_log').whereRaw(`action ~ '^audit\\.[a-z_]+\\.(passed|failed)$'`);
  const row = /^\d{1,15}$/.test(run)
    ? await q.clone().where('seq', Number(run)).first()
    : await q.clone().whereRaw(`details->>'jobId' = ?`, [run]).first();
  if (!row) return null;
  const kind = String(row.action)
    .replace(/^audit\./, '')
    .replace(/\.(passed|failed)$/, '');
  const history = await db('audit_log')
    .whereIn('action', [`audit.${kind}.passed`, `audit.${kind}.failed`])
    .andWhere('seq', '<=', row.seq)
    .orderBy('seq', 'desc')
    .limit(12)
    .select('seq', 'at', 'action');
  return {
    seq: Number(row.seq),
    jobId: row.details?.jobId ?? null,
    kind,
    schedule: String(row.target).replace(/^schedule:/, ''),
    at: iso(row.at),
    passed: String(row.action).endsWith('.passed'),
    evidence: flatten(row.details ?? {}),
    history: history
      .reverse()
      .map((h) => ({ seq: Number(h.seq), at: iso(h.at), passed: String(h.action).endsWith('.passed') })),
    bundleHash: row.bundle_hash,
    entryHash: row.hash,
  };
}

function flatten(o: unknown, prefix = ''): [string, string][] {
  if (o === null || typeof o !== 'object') return [[prefix || 'value', String(o)]];
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v, key));
    else
      out.push([
        key,
        Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : String(v),
      ]);
  }
  return out;
}

// Reports: ordered (a row and a job), generated (gather → render → sign → store, audited), and
// verified (signature offline; here also the audit-log checkpoint the report names).
import { z } from 'zod';
import type { Deps } from '../deps';
import type { Principal } from '../auth';
import { checkpointMac } from '../audit-log';
import { auditLogRows, gatherAuditLog, gatherAuditRun, gatherQuarterly, requestRows, type Period } from './gather';
import {
  KIND_TITLES,
  renderAuditLog,
  renderAuditRun,
  renderQuarterly,
  type ReportHeader,
  type ReportKind,
} from './render-pdf';
import { sha256, signPdf, verifyPdf, type Manifest, type Verdict } from './signing';
import { publishedKeys, registerCurrentKey } from './signing-keys';

export const REPORT_KINDS = ['quarterly', 'audit_run', 'audit_log'] as const;

const date = z.iso.date('Enter a date like 2026-03-31');
export const orderSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('quarterly'), from: date, to: date }),
    z.object({ kind: z.literal('audit_log'), from: date, to: date }),
    z.object({
      kind: z.literal('audit_run'),
      run: z.string().trim().min(1, 'Enter the audit run (its audit-log entry or job id)').max(200),
    }),
  ])
  .refine((o) => !('from' in o) || o.from <= o.to, { message: 'The period ends before it starts', path: ['to'] })
  .refine((o) => !('from' in o) || (Date.parse(o.to) - Date.parse(o.from)) / 86_400_000 <= 3 * 366, {
    message: 'A report covers at most three years',
    path: ['to'],
  });
export type ReportOrder = z.infer<typeof orderSchema>;

export interface ReportRow {
  id: string;
  kind: ReportKind;
  params: ReportOrder;
  period_from: string | null;
  period_to: string | null;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress_percent: number;
  progress_label: string;
  requested_by: string;
  sha256: string | null;
  manifest: Manifest | null;
  key_fingerprint: string | null;
  bundle_hash: string | null;
  audit_head_seq: string | null;
  audit_head_hash: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** Columns without the PDF bytes: lists never load them. */
export const ROW_COLUMNS = [
  'id',
  'kind',
  'params',
  'period_from',
  'period_to',
  'status',
  'progress_percent',
  'progress_label',
  'requested_by',
  'sha256',
  'manifest',
  'key_fingerprint',
  'bundle_hash',
  'audit_head_seq',
  'audit_head_hash',
  'error',
  'created_at',
  'started_at',
  'finished_at',
];

const dayOf = (v: unknown) => (v ? (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10)) : null);
const normalise = (r: Record<string, unknown>) =>
  ({ ...r, period_from: dayOf(r.period_from), period_to: dayOf(r.period_to) }) as unknown as ReportRow;

export const reportById = async (deps: Pick<Deps, 'db'>, id: string) => {
  const r = await deps.db('reports').where({ id }).first(ROW_COLUMNS);
  return r ? normalise(r) : undefined;
};

export interface ReportFilter {
  kind?: ReportKind;
  from?: string;
  to?: string;
}

export function filteredReports(deps: Pick<Deps, 'db'>, f: ReportFilter) {
  const q = deps.db('reports');
  if (f.kind) q.where({ kind: f.kind });
  // A report belongs to a filter period when its own period overlaps it.
  if (f.from) q.where((w) => w.where('period_to', '>=', f.from!).orWhereNull('period_to'));
  if (f.to) q.where((w) => w.where('period_from', '<=', f.to!).orWhereNull('period_from'));
  return q;
}

export async function listReports(
  deps: Pick<Deps, 'db'>,
  f: ReportFilter,
  sort: 'asc' | 'desc',
  limit: number,
  offset: number,
) {
  const [{ count }] = await filteredReports(deps, f).count<{ count: string }[]>({ count: '*' });
  const rows = await filteredReports(deps, f)
    .orderBy([
      { column: 'created_at', order: sort },
      { column: 'id', order: sort },
    ])
    .limit(limit)
    .offset(offset)
    .select(ROW_COLUMNS);
  return { total: Number(count), rows: rows.map(normalise) };
}

export async function reportBytes(deps: Pick<Deps, 'db'>, id: string): Promise<Buffer | null> {
  const r = await deps.db('reports').where({ id, status: 'done' }).first('bytes');
  return r?.bytes ?? null;
}

export const reportFilename = (r: Pick<ReportRow, 'kind' | 'id' | 'period_from' | 'period_to'>) =>
  `lethe-${r.kind.replace('_', '-')}${r.period_from ? `-${r.period_from}-${r.period_to}` : ''}-${r.id.slice(0, 8)}.pdf`;

/** Records the order and enqueues its job (job id = report id). */
export async function orderReport(
  deps: Deps,
  order: ReportOrder,
  principal: Pick<Principal, 'id'>,
): Promise<ReportRow> {
  const row = await deps.db.transaction(async (trx) => {
    const [r] = await trx('reports')
      .insert({
        kind: order.kind,
        params: JSON.stringify(order),
        period_from: 'from' in order ? order.from : null,
        period_to: 'to' in order ? order.to : null,
        requested_by: principal.id,
      })
      .returning(ROW_COLUMNS);
    await deps.audit.append(
      { actor: principal.id, action: 'report.create', target: `report:${r.id}`, details: { ...order } },
      trx,
    );
    return normalise(r);
  });
  await deps.jobs.enqueue('report', row.id, { reportId: row.id });
  return row;
}

async function setProgress(deps: Pick<Deps, 'db'>, id: string, percent: number, label: string) {
  await deps.db('reports').where({ id }).update({ progress_percent: percent, progress_label: label });
}

/**
 * Generates, signs and stores a report. Idempotent: a finished report is left as it is; a
 * report interrupted half-way is generated again from the start (nothing was stored).
 */
export async function generateReport(
  deps: Deps,
  id: string,
  progress: (percent: number, label: string) => Promise<void> = async () => {},
): Promise<ReportRow> {
  const queued = await reportById(deps, id);
  if (!queued) throw new Error(`report ${id} does not exist`);
  if (queued.status === 'done' || queued.status === 'failed') return queued;
  const generatedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  await deps.db('reports').where({ id }).update({ status: 'running', started_at: generatedAt, error: null });
  const step = async (percent: number, label: string) => {
    await setProgress(deps, id, percent, label);
    await progress(percent, label);
  };
  await step(5, 'Recording the audit-log head');
  // The head the report is built at, in a signed checkpoint named after the report.
  const checkpoint = await deps.audit.recordCheckpoint(`report:${id}`);
  const order = queued.params;
  const period: Period | null = 'from' in order ? { from: order.from, to: order.to } : null;
  const header: ReportHeader = {
    id,
    kind: queued.kind,
    generatedAt,
    period,
    bundleHash: deps.policies.hash(),
    auditHead: checkpoint ? { seq: checkpoint.seq, hash: checkpoint.hash } : null,
  };
  await step(15, 'Gathering the figures');
  let pdf: Buffer;
  if (order.kind === 'quarterly') {
    const data = await gatherQuarterly(deps.db, period!);
    await step(40, 'Drawing the report');
    pdf = await renderQuarterly(header, data, requestRows(deps.db, period!));
  } else if (order.kind === 'audit_log') {
    const data = await gatherAuditLog(deps, period!);
    await step(40, 'Drawing the entries');
    pdf = await renderAuditLog(header, data, auditLogRows(deps.db, period!));
  } else {
    const data = await gatherAuditRun(deps.db, order.run);
    if (!data) {
      await deps
        .db('reports')
        .where({ id })
        .update({
          status: 'failed',
          error: `No audit run ${order.run} is recorded in the audit log.`,
          finished_at: new Date(),
        });
      return (await reportById(deps, id))!;
    }
    await step(40, 'Drawing the report');
    pdf = await renderAuditRun(header, data);
  }
  await step(90, 'Signing');
  const key = deps.config.reportSigningKey;
  await registerCurrentKey(deps.db, key);
  const { bytes, manifest } = signPdf(
    pdf,
    {
      id,
      kind: queued.kind,
      title: KIND_TITLES[queued.kind],
      generatedAt: generatedAt.toISOString(),
      period,
      bundleHash: header.bundleHash,
      auditHead: header.auditHead,
      checkpointId: checkpoint ? await checkpointIdFor(deps, id) : null,
    },
    key,
  );
  const fileSha = sha256(bytes);
  await deps.db.transaction(async (trx) => {
    await trx('reports')
      .where({ id })
      .update({
        status: 'done',
        bytes,
        sha256: fileSha,
        manifest: JSON.stringify(manifest),
        key_fingerprint: manifest.keyFingerprint,
        bundle_hash: header.bundleHash,
        audit_head_seq: header.auditHead?.seq ?? null,
        audit_head_hash: header.auditHead?.hash ?? null,
        progress_percent: 100,
        progress_label: 'Done',
        finished_at: new Date(),
      });
    await deps.audit.append(
      {
        actor: 'system:worker',
        action: 'report.issued',
        target: `report:${id}`,
        details: {
          kind: queued.kind,
          sha256: fileSha,
          documentSha256: manifest.sha256,
          bytes: bytes.length,
          keyFingerprint: manifest.keyFingerprint,
          period,
        },
      },
      trx,
    );
  });
  await progress(100, 'Done');
  return (await reportById(deps, id))!;
}

const checkpointIdFor = async (deps: Pick<Deps, 'db'>, id: string): Promise<string | null> => {
  const c = await deps
    .db('audit_checkpoints')
    .where({ reason: `report:${id}` })
    .orderBy('id', 'desc')
    .first('id');
  return c ? String(c.id) : null;
};

export async function failReport(deps: Pick<Deps, 'db'>, id: string, message: string): Promise<void> {
  await deps
    .db('reports')
    .where({ id })
    .whereNot({ status: 'done' })
    .update({ status: 'failed', error: message.split('\n')[0].slice(0, 300), finished_at: new Date() });
}

export interface ServerVerdict {
  verdict: Verdict;
  /** What Lethe's own records say about the report the file names (online checks only). */
  checkpoint: 'matches' | 'missing' | 'invalid' | 'not recorded';
}

/**
 * Offline signature check against every published key, then the online checks: the audit-log
 * checkpoint the manifest names exists, carries a valid MAC, records the same head, and that
 * head is still in the chain.
 */
export async function verifyReportFile(deps: Pick<Deps, 'db' | 'crypto'>, file: Buffer): Promise<ServerVerdict> {
  // Every key that signed is in the table (generateReport records it before signing).
  const verdict = verifyPdf(file, await publishedKeys(deps.db));
  if (verdict.status !== 'authentic') return { verdict, checkpoint: 'not recorded' };
  const m = verdict.manifest;
  if (!m.checkpointId || !m.auditHead) return { verdict, checkpoint: 'not recorded' };
  const c = await deps.db('audit_checkpoints').where({ id: m.checkpointId }).first();
  if (!c)
    return {
      verdict: { status: 'altered', reason: 'the audit-log checkpoint the report names is missing', manifest: m },
      checkpoint: 'missing',
    };
  const key = deps.crypto.keyFor('audit-log', c.key_id);
  const macOk =
    !!key &&
    checkpointMac(key, {
      seq: Number(c.seq),
      hash: c.hash,
      keyedFrom: Number(c.keyed_from),
      reason: c.reason,
      at: new Date(c.at),
      keyId: c.key_id,
    }) === c.mac;
  const entry = await deps.db('audit_log').where({ seq: m.auditHead.seq }).first('hash');
  if (
    !macOk ||
    Number(c.seq) !== m.auditHead.seq ||
    c.hash !== m.auditHead.hash ||
    c.reason !== `report:${m.id}` ||
    entry?.hash !== m.auditHead.hash
  ) {
    return {
      verdict: {
        status: 'altered',
        reason: 'the audit-log checkpoint does not match the head the report states',
        manifest: m,
      },
      checkpoint: 'invalid',
    };
  }
  return { verdict, checkpoint: 'matches' };
}

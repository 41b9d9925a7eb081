// Periodic audits scheduled from policies/schedules.yaml. Each audit kind checks one thing and
// records its outcome in the audit log (findings with owners come with the audits issue).
import { UnrecoverableError } from 'bullmq';
import type { JobContext, JobDefinition } from './job';
import { overdueRequests } from './audits/overdue-requests';
import { retentionSweep } from './audits/retention-sweep';
import { reidSnapshots } from './audits/reid-snapshots';

export interface AuditPayload {
  audit: string;
  schedule: string;
  tickAt: string;
}

type AuditKindHandler = (ctx: JobContext) => Promise<Record<string, unknown>>;

const AUDIT_KINDS: Record<string, AuditKindHandler> = {
  overdue_requests: overdueRequests,
  retention_sweep: retentionSweep,
  reid_snapshots: reidSnapshots,
  async audit_log_chain({ deps, progress }) {
    await progress(10, 'Walking the audit-log chain');
    const result = await deps.audit.verify();
    return result.ok
      ? { ok: true, entries: result.entries, head: result.head }
      : { ok: false, entries: result.entries, brokenSeq: result.brokenSeq, reason: result.reason };
  },
};

export const registerAuditKind = (name: string, handler: AuditKindHandler) => {
  AUDIT_KINDS[name] = handler;
};

export const auditJob: JobDefinition<AuditPayload> = {
  kind: 'audit',
  concurrency: 1,

  /** Ticks of the last day whose result is not in the audit log (their enqueue may have been lost). */
  async pending(deps) {
    const { rows } = await deps.db.raw<{ rows: { schedule: string; tick_at: Date; job_id: string }[] }>(
      `SELECT t.schedule, t.tick_at, t.job_id FROM schedule_ticks t
        WHERE t.enqueued_at > now() - interval '1 day'
          AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action LIKE 'audit.%' AND a.details->>'jobId' = t.job_id)`,
    );
    const kinds = new Map(deps.policies.current().schedules.map((s) => [s.name, s.audit]));
    return rows
      .filter((r) => kinds.has(r.schedule))
      .map((r) => ({ jobId: r.job_id, payload: { audit: kinds.get(r.schedule)!, schedule: r.schedule, tickAt: new Date(r.tick_at).toISOString() } }));
  },
  /** Retries exhausted: the failure is the tick's recorded result (so the reconciler stops). */
  async failed(deps, payload, error, jobId) {
    await deps.audit.append({
      actor: 'system:scheduler',
      action: `audit.${payload.audit}.failed`,
      target: `schedule:${payload.schedule}`,
      details: { ok: false, error: error.message.split('\n')[0].slice(0, 300), tickAt: payload.tickAt, jobId },
    });
  },

  async handle(ctx, payload) {
    // A rerun of a tick whose result is already recorded records nothing twice.
    const done = await ctx.deps.db('audit_log').where('action', 'like', `audit.${payload.audit}.%`).whereRaw(`details->>'jobId' = ?`, [ctx.jobId]).first('seq');
    if (done) return { skipped: 'already recorded', seq: done.seq };
    const run = AUDIT_KINDS[payload.audit];
    if (!run) throw new UnrecoverableError(`No implementation for audit kind "${payload.audit}" (schedule ${payload.schedule})`);
    const result = await run(ctx);
    await ctx.deps.audit.append({
      actor: 'system:scheduler',
      action: `audit.${payload.audit}.${result.ok === false ? 'failed' : 'passed'}`,
      target: `schedule:${payload.schedule}`,
      details: { ...result, tickAt: payload.tickAt, jobId: ctx.jobId },
    });
    await ctx.progress(100, 'Done');
    return result;
  },
};

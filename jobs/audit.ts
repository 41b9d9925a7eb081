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
  async handle(ctx, payload) {
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

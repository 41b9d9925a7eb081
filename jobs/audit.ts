// Periodic audits scheduled from policies/schedules.yaml: a thin adapter over the audits area,
// which claims the run, runs the kind and records its findings (server/audits/runs.ts).
import { UnrecoverableError } from 'bullmq';
import type { JobDefinition } from './job';
import { failRun, runAudit, UnknownAuditKindError } from '../server/audits/runs';
import { alertOnRun } from '../server/audits/alerts-hook';

export interface AuditPayload {
  audit: string;
  schedule: string;
  tickAt: string;
}

const specOf = (payload: AuditPayload, jobId: string) => ({
  kind: payload.audit,
  schedule: payload.schedule,
  // Manual enqueues (schedule "manual") are not ticks: only scheduled ones are one per tick.
  tickAt: payload.schedule === 'manual' ? null : new Date(payload.tickAt),
  jobId,
  triggeredBy: 'system:scheduler',
});

export const auditJob: JobDefinition<AuditPayload> = {
  kind: 'audit',
  concurrency: 1,

  /** Ticks of the last day without a finished run (their enqueue may have been lost). */
  async pending(deps) {
    const { rows } = await deps.db.raw<{ rows: { schedule: string; tick_at: Date; job_id: string }[] }>(
      `SELECT t.schedule, t.tick_at, t.job_id FROM schedule_ticks t
        WHERE t.enqueued_at > now() - interval '1 day'
          AND NOT EXISTS (SELECT 1 FROM audit_runs r WHERE r.job_id = t.job_id AND r.status <> 'running')`,
    );
    const kinds = new Map(deps.policies.current().schedules.map((s) => [s.name, s.audit]));
    return rows
      .filter((r) => kinds.has(r.schedule))
      .map((r) => ({
        jobId: r.job_id,
        payload: { audit: kinds.get(r.schedule)!, schedule: r.schedule, tickAt: new Date(r.tick_at).toISOString() },
      }));
  },
  /** Retries exhausted: the run ends in error, which is the tick's recorded result (so the reconciler stops). */
  async failed(deps, payload, error, jobId) {
    await failRun(deps, specOf(payload, jobId), error.message.split('\n')[0].slice(0, 300));
  },

  async handle(ctx, payload) {
    try {
      const result = await runAudit(ctx.deps, specOf(payload, ctx.jobId), {
        progress: ctx.progress,
        afterRun: (run, findings) => alertOnRun(ctx.deps, run, findings),
      });
      if (result.skipped) return { skipped: 'already recorded', runId: result.run.id };
      await ctx.progress(100, 'Done');
      return {
        ok: result.outcome.ok,
        ...result.outcome.summary,
        runId: result.run.id,
        findings: result.findings.length,
      };
    } catch (err) {
      if (err instanceof UnknownAuditKindError) throw new UnrecoverableError(err.message);
      throw err;
    }
  },
};

// Running one audit: claim the run row (one per job id, one per schedule tick), run the kind,
// then in one transaction record its findings, finish the run, note the alerts it owes and append
// its audit entry. The after-run hook raises those alerts; a run found finished with its alerts
// still owed (the worker died in between) has them raised by its retry or by the reconciler.
import type { Deps } from '../deps';
import { AUDIT_KINDS, isAuditKind, type AuditKind } from '../policies/audit-kinds';
import { AUDIT_HANDLERS } from './kinds';
import { recordFindings, reopenExpiredAcceptances, resolveUnseen, type RecordedFinding } from './findings';
import type { AuditOutcome } from './types';

/** Thrown when a run names an audit kind the registry does not know (never worth retrying). */
export class UnknownAuditKindError extends Error {
  override name = 'UnknownAuditKindError';
}

export interface RunSpec {
  kind: string;
  schedule: string;
  tickAt: Date | null;
  jobId: string;
  dryRun?: boolean;
  triggeredBy: string;
}

export interface AuditRunRow {
  id: string;
  kind: AuditKind;
  schedule: string;
  tick_at: Date | null;
  job_id: string;
  bundle_hash: string;
  dry_run: boolean;
  status: 'running' | 'passed' | 'failed' | 'error';
  summary: Record<string, unknown>;
  findings_opened: number;
  findings_seen: number;
  error: string | null;
  triggered_by: string;
  started_at: Date;
  finished_at: Date | null;
  /** The findings this run opened or reopened, committed with them: the alerts it owes. */
  alert_findings: { id: string; change: RecordedFinding['change'] }[];
  alerts_raised_at: Date | null;
}

export type RunResult =
  | { skipped: true; run: AuditRunRow }
  | { skipped: false; run: AuditRunRow; outcome: AuditOutcome; findings: RecordedFinding[] };

/**
 * Hooks a run calls once its findings are committed (alerts). Called again for a finished run
 * whose alerts are still owed, with the findings it recorded; the hook marks them raised.
 */
export type AfterRun = (run: AuditRunRow, findings: RecordedFinding[]) => Promise<void>;

export async function runAudit(
  deps: Deps,
  spec: RunSpec,
  opts: {
    progress?: (percent: number, label?: string) => Promise<void>;
    errorIsFinal?: boolean;
    afterRun?: AfterRun;
  } = {},
): Promise<RunResult> {
  if (!isAuditKind(spec.kind))
    throw new UnknownAuditKindError(
      `No implementation for audit kind "${spec.kind}" (schedule ${spec.schedule}); known: ${AUDIT_KINDS.join(', ')}`,
    );
  const handler = AUDIT_HANDLERS[spec.kind];
  const dryRun = spec.dryRun ?? false;
  if (dryRun && !handler.dryRun)
    throw new UnknownAuditKindError(`The audit kind "${spec.kind}" has no dry-run mode: it acts as it measures.`);
  const run = await claimRun(deps, spec, dryRun);
  if (run.status !== 'running') {
    if (opts.afterRun && alertsOwed(run)) await callAfterRun(deps, opts.afterRun, run, await alertIntents(deps, run));
    return { skipped: true, run };
  }
  if (!dryRun) await reopenExpiredAcceptances(deps);
  let outcome: AuditOutcome;
  try {
    outcome = await handler.run({ deps, runId: run.id, dryRun, progress: opts.progress ?? (async () => {}) });
  } catch (err) {
    const message = (err as Error).message.split('\n')[0].slice(0, 300);
    if (opts.errorIsFinal) await failRun(deps, spec, message);
    else await deps.db('audit_runs').where({ id: run.id }).update({ error: message });
    throw err;
  }
  const { finished, findings } = await deps.db.transaction(async (trx) => {
    const findings = dryRun ? [] : await recordFindings(trx, deps.audit, run.id, spec.kind, outcome.findings);
    const resolved =
      dryRun || !outcome.covers
        ? []
        : await resolveUnseen(trx, deps.audit, run.id, spec.kind, outcome.findings, outcome.covers);
    const [finished] = await trx('audit_runs')
      .where({ id: run.id })
      .update({
        status: outcome.ok ? 'passed' : 'failed',
        summary: JSON.stringify(outcome.summary),
        findings_opened: findings.filter((f) => f.change !== 'seen').length,
        findings_seen: dryRun ? outcome.findings.length : findings.length,
        error: null,
        finished_at: trx.fn.now(),
        alert_findings: JSON.stringify(
          findings.filter((f) => f.change !== 'seen').map((f) => ({ id: f.id, change: f.change })),
        ),
        alerts_raised_at: dryRun ? trx.fn.now() : null,
      })
      .returning('*');
    await deps.audit.append(
      {
        actor: spec.triggeredBy,
        action: `audit.${spec.kind}.${outcome.ok ? 'passed' : 'failed'}`,
        target: `schedule:${spec.schedule}`,
        details: {
          ok: outcome.ok,
          ...outcome.summary,
          findings: findings.length,
          ...(resolved.length ? { resolved: resolved.length } : {}),
          tickAt: spec.tickAt?.toISOString() ?? null,
          jobId: spec.jobId,
          runId: run.id,
          ...(dryRun ? { dryRun } : {}),
        },
      },
      trx,
    );
    return { finished: finished as AuditRunRow, findings };
  });
  if (opts.afterRun) await callAfterRun(deps, opts.afterRun, finished, findings);
  return { skipped: false, run: finished, outcome, findings };
}

const callAfterRun = (deps: Deps, afterRun: AfterRun, run: AuditRunRow, findings: RecordedFinding[]) =>
  afterRun(run, findings).catch((err) =>
    deps.logger.error(
      { event: 'audit.after_run.error', runId: run.id, error: (err as Error).message },
      'after-run hook failed',
    ),
  );

/** A run that committed its findings (passed or failed) and has not had its alerts raised. */
export const alertsOwed = (run: AuditRunRow) =>
  !run.dry_run &&
  run.finished_at !== null &&
  run.alerts_raised_at === null &&
  run.status !== 'running' &&
  run.status !== 'error';

/** The findings a finished run opened or reopened, as the after-run hook receives them. */
export async function alertIntents(deps: Pick<Deps, 'db'>, run: AuditRunRow): Promise<RecordedFinding[]> {
  const intents = run.alert_findings ?? [];
  if (!intents.length) return [];
  const rows: { id: string; kind: string; severity: RecordedFinding['severity']; title: string }[] = await deps
    .db('findings')
    .whereIn(
      'id',
      intents.map((i) => i.id),
    )
    .select('id', 'kind', 'severity', 'title');
  const byId = new Map(rows.map((r) => [r.id, r]));
  return intents.flatMap((i) => {
    const f = byId.get(i.id);
    return f ? [{ ...f, change: i.change }] : [];
  });
}

/** Finished runs whose alerts are still owed (oldest first), for the reconciler. */
export async function runsOwingAlerts(deps: Pick<Deps, 'db'>, limit = 100): Promise<AuditRunRow[]> {
  return deps
    .db('audit_runs')
    .whereNull('alerts_raised_at')
    .whereNotNull('finished_at')
    .whereIn('status', ['passed', 'failed'])
    .where({ dry_run: false })
    .orderBy('finished_at')
    .limit(limit);
}

/** The run row of this job: created, or the one an earlier attempt left (running: rerun it; finished: skip). */
async function claimRun(deps: Deps, spec: RunSpec, dryRun: boolean): Promise<AuditRunRow> {
  const [created] = await deps
    .db('audit_runs')
    .insert({
      kind: spec.kind,
      schedule: spec.schedule,
      tick_at: spec.tickAt,
      job_id: spec.jobId,
      bundle_hash: deps.policies.hash(),
      dry_run: dryRun,
      triggered_by: spec.triggeredBy,
    })
    .onConflict()
    .ignore()
    .returning('*');
  if (created) return created;
  const existing = await deps.db('audit_runs').where({ job_id: spec.jobId }).first();
  if (existing) return existing;
  // Same tick under another job id (never from the scheduler; a hand-made duplicate): that run stands.
  return deps.db('audit_runs').where({ schedule: spec.schedule, tick_at: spec.tickAt }).first();
}

/** Retries exhausted (or unrecoverable): the run ends in error and the failure is audited once. */
export async function failRun(deps: Deps, spec: Omit<RunSpec, 'dryRun'>, message: string): Promise<void> {
  await deps.db.transaction(async (trx) => {
    const [row] = await trx('audit_runs')
      .insert({
        kind: spec.kind,
        schedule: spec.schedule,
        tick_at: spec.tickAt,
        job_id: spec.jobId,
        bundle_hash: deps.policies.hash(),
        triggered_by: spec.triggeredBy,
        status: 'error',
        error: message,
        finished_at: trx.fn.now(),
        alerts_raised_at: trx.fn.now(), // an error run records no findings (the queue raises job.failed)
      })
      .onConflict('job_id')
      .merge({ status: 'error', error: message, finished_at: trx.fn.now(), alerts_raised_at: trx.fn.now() })
      .returning('id');
    await deps.audit.append(
      {
        actor: spec.triggeredBy,
        action: `audit.${spec.kind}.failed`,
        target: `schedule:${spec.schedule}`,
        details: {
          ok: false,
          error: message,
          tickAt: spec.tickAt?.toISOString() ?? null,
          jobId: spec.jobId,
          runId: row.id,
        },
      },
      trx,
    );
  });
}

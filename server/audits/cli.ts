// `lethe audit run KIND [--dry-run]`: one audit in the foreground, its summary printed (per rule
// for the retention sweep). Exit 0 when it ran (findings or not), 1 when it failed to run, 2 for a
// kind that does not exist or has no dry run.
import crypto from 'node:crypto';
import type { Command } from 'commander';
import { CliFailure, type CliContext } from '../cli-context';
import { AUDIT_KIND_INFO, AUDIT_KINDS, isAuditKind } from '../policies/audit-kinds';
import { AUDIT_HANDLERS } from './kinds';
import { runAudit } from './runs';
import { alertOnRun } from './alerts-hook';

interface RuleLine {
  rule: string;
  dataset: string;
  action: string;
  [k: string]: unknown;
}

function describeSummary(kind: string, summary: Record<string, unknown>): string {
  if (kind === 'retention_sweep' && Array.isArray(summary.rules)) {
    return (summary.rules as RuleLine[])
      .map(
        ({ rule, dataset, action, note, ...counts }) =>
          `  ${rule} on ${dataset} (${action}): ${Object.entries(counts)
            .map(([k, v]) => `${k} ${v ?? '-'}`)
            .join(', ')}${note ? ` [${note}]` : ''}\n`,
      )
      .join('');
  }
  return Object.entries(summary)
    .map(([k, v]) => `  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`)
    .join('');
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit =
    program.commands.find((c) => c.name() === 'audit') ?? program.command('audit').description('audit-log tools');
  audit
    .command('run <kind>')
    .description(`run one audit now and print its summary (kinds: ${AUDIT_KINDS.join(', ')})`)
    .option('--dry-run', 'report what it would do; change nothing (retention: nothing deleted, no finding recorded)')
    .action(async (kind: string, o: { dryRun?: boolean }) => {
      if (!isAuditKind(kind)) throw new CliFailure(`unknown audit kind "${kind}"; known: ${AUDIT_KINDS.join(', ')}`, 2);
      if (o.dryRun && !AUDIT_HANDLERS[kind].dryRun)
        throw new CliFailure(`the audit kind "${kind}" has no dry-run mode: it acts as it measures`, 2);
      const deps = await ctx.deps();
      let result;
      try {
        result = await runAudit(
          deps,
          {
            kind,
            schedule: 'cli',
            tickAt: null,
            jobId: `cli-${crypto.randomUUID()}`,
            dryRun: o.dryRun ?? false,
            triggeredBy: 'system:cli',
          },
          { errorIsFinal: true, afterRun: (run, findings) => alertOnRun(deps, run, findings) },
        );
      } catch (err) {
        throw new CliFailure(`audit ${kind} failed to run: ${(err as Error).message.split('\n')[0]}`, 1);
      }
      if (result.skipped) throw new CliFailure('the run was already recorded', 1);
      const { run, findings } = result;
      ctx.io.out(
        `${AUDIT_KIND_INFO[kind].title}${run.dry_run ? ' (dry run)' : ''}: ${run.status}\n  run ${run.id}\n` +
          describeSummary(kind, run.summary) +
          (run.dry_run
            ? `  findings it would record: ${run.findings_seen}\n`
            : `  findings: ${findings.filter((f) => f.change !== 'seen').length} new or reopened, ${findings.length} in all\n`),
      );
    });
}

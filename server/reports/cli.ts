// `lethe report create | verify | public-key`. `verify --keys FILE` works offline with the
// published key list (or one PEM public key) alone; without --keys it asks Lethe's database for
// the keys and also checks the audit-log checkpoint the report names.
import fs from 'node:fs';
import type { Command } from 'commander';
import { CliFailure, type CliContext } from '../cli-context';
import { toFormErrors } from '../http/forms';
import { generateReport, orderSchema, verifyReportFile, type ReportRow } from './service';
import { parseKeyFile, verifyPdf, type Verdict } from './signing';
import { keyDocument } from './signing-keys';

function describe(v: Verdict, checkpoint?: string): string {
  if (v.status !== 'authentic') return `${v.status.toUpperCase()}: ${v.reason}\n`;
  const m = v.manifest;
  return (
    `AUTHENTIC\n  report: ${m.id}\n  kind: ${m.kind}\n  generated at: ${m.generatedAt}\n` +
    (m.period ? `  period: ${m.period.from} to ${m.period.to}\n` : '') +
    `  key fingerprint: ${m.keyFingerprint}${v.key.retiredAt ? ` (retired ${v.key.retiredAt})` : ''}\n` +
    `  policy bundle: ${m.bundleHash}\n  audit-log head: ${m.auditHead ? `entry ${m.auditHead.seq} ${m.auditHead.hash}` : 'empty'}\n` +
    (checkpoint ? `  audit-log checkpoint: ${checkpoint}\n` : '')
  );
}

export function registerReportCommands(program: Command, ctx: CliContext): void {
  const report = program.command('report').description('signed reports: create, verify');
  report
    .command('create')
    .description(
      'generate a report now (quarterly | audit_log for a period, audit_run for a run) and write the signed PDF',
    )
    .requiredOption('--kind <kind>', 'quarterly | audit_log | audit_run')
    .option('--from <date>', 'first day, YYYY-MM-DD, inclusive, UTC')
    .option('--to <date>', 'last day, YYYY-MM-DD, inclusive, UTC')
    .option('--run <id>', 'audit_run: the audit-log entry (seq) or job id of the run')
    .requiredOption('--out <file>', 'where to write the PDF')
    .action(async (o: { kind: string; from?: string; to?: string; run?: string; out: string }) => {
      const parsed = orderSchema.safeParse(
        o.kind === 'audit_run' ? { kind: o.kind, run: o.run } : { kind: o.kind, from: o.from, to: o.to },
      );
      if (!parsed.success)
        throw new CliFailure(
          toFormErrors(parsed.error)
            .summary.map((e) => `${e.field ? `--${e.field}: ` : ''}${e.message}`)
            .join('\n'),
          2,
        );
      const deps = await ctx.deps();
      const id = await deps.db.transaction(async (trx) => {
        const [r] = await trx('reports')
          .insert({
            kind: parsed.data.kind,
            params: JSON.stringify(parsed.data),
            period_from: 'from' in parsed.data ? parsed.data.from : null,
            period_to: 'to' in parsed.data ? parsed.data.to : null,
            requested_by: 'system:cli',
          })
          .returning('id');
        await deps.audit.append(
          { actor: 'system:cli', action: 'report.create', target: `report:${r.id}`, details: { ...parsed.data } },
          trx,
        );
        return r.id as string;
      });
      const row: ReportRow = await generateReport(deps, id);
      if (row.status !== 'done') throw new CliFailure(`report ${id} failed: ${row.error}`);
      const { bytes } = await deps.db('reports').where({ id }).first('bytes');
      fs.writeFileSync(o.out, bytes);
      ctx.io.out(`report ${id} written to ${o.out}\n  sha256 ${row.sha256}\n`);
    });
  report
    .command('verify <file>')
    .description('check a report PDF: exit 0 when authentic, 1 when altered or unknown')
    .option('--keys <file>', 'offline: the JSON from /.well-known/lethe-report-key, or a PEM public key')
    .action(async (file: string, o: { keys?: string }) => {
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch (err) {
        throw new CliFailure(`cannot read ${file}: ${(err as Error).message}`, 2);
      }
      if (o.keys) {
        const v = verifyPdf(bytes, parseKeyFile(fs.readFileSync(o.keys, 'utf8')));
        ctx.io.out(describe(v));
        ctx.setExitCode(v.status === 'authentic' ? 0 : 1);
        return;
      }
      const deps = await ctx.deps();
      const r = await verifyReportFile(deps, bytes);
      ctx.io.out(describe(r.verdict, r.checkpoint));
      ctx.setExitCode(r.verdict.status === 'authentic' ? 0 : 1);
    });
  report
    .command('public-key')
    .description('print the report keys as published at /.well-known/lethe-report-key (for verify --keys)')
    .action(async () => {
      const deps = await ctx.deps();
      ctx.io.out(JSON.stringify(await keyDocument(deps.db, deps.config.reportSigningKey), null, 2) + '\n');
    });
}

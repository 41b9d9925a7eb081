import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { shownClass } from '../server/reid/generalize';
import { renderReidReport } from '../server/reid/report-pdf';
import type { ReidOutcome } from '../server/reid/types';

// Results stored before risky classes were generalized (issue 12) list the raw quasi-identifier
// values of classes below k, in the result and in the PDF. Keep only what the pages need: those
// classes' values become `*` (the raw data is not at hand to generalize them), and the PDF is
// rendered again from the redacted result. Runs listed with generalization are left as they are,
// so running this again changes nothing.
export async function up(knex: Knex): Promise<void> {
  const rows = await knex('reid_runs')
    .whereNotNull('result')
    .select('id', 'dataset', 'source', 'result', 'report', 'started_at', 'created_at', 'duration_ms');
  for (const row of rows) {
    const o = row.result as ReidOutcome;
    if (!Array.isArray(o.riskiestClasses) || !o.policy?.thresholds) continue;
    const { k, riskThreshold } = o.policy.thresholds;
    const classes = o.riskiestClasses.map((c) => shownClass(c, { k, riskThreshold }));
    if (classes.every((c, i) => c === o.riskiestClasses[i])) continue;
    const result: ReidOutcome = { ...o, riskiestClasses: classes };
    const patch: Record<string, unknown> = { result };
    if (row.report) {
      const report = await renderReidReport({
        dataset: row.dataset,
        source: row.source,
        analysedAt: new Date(row.started_at ?? row.created_at).toISOString(),
        durationMs: row.duration_ms ?? 0,
        outcome: result,
      });
      patch.report = report;
      patch.report_sha256 = crypto.createHash('sha256').update(report).digest('hex');
    }
    await knex('reid_runs').where({ id: row.id }).update(patch);
  }
}

export async function down(): Promise<void> {
  // The raw values are gone by design: nothing to restore.
}

// Weekly: every released dataset's last re-identification test is run again on today's data and
// judged by today's thresholds (reid.yaml). A release that would now be refused is a high finding
// (one per dataset) naming the thresholds it misses; it is remediated by the audit once the test
// passes again (the data was generalised, or the thresholds changed). The release itself stands:
// withdrawing it is a person's decision. A dataset that cannot be tested again (it was tested from
// an uploaded file, or its table is gone) is listed in the run's summary and is a low finding.
import type { AuditKindHandler, FindingInput } from '../types';
import { retestReleased } from '../../reid/service';
import { paths } from '../../http/paths';

export const releasedDatasets: AuditKindHandler = {
  dryRun: true,
  async run({ deps, progress }) {
    await progress(5, 'Re-testing released datasets');
    const results = await retestReleased(deps);
    const findings: FindingInput[] = results.flatMap((r): FindingInput[] => {
      const evidence = [
        { label: `dataset ${r.dataset}`, href: paths.datasets.show(r.dataset) },
        ...(r.lastRunId ? [{ label: `last test ${r.lastRunId}`, href: paths.reid.run(r.lastRunId) }] : []),
      ];
      if (r.status === 'failed')
        return [
          {
            key: `fails:${r.dataset}`,
            severity: 'high',
            title: `Released dataset ${r.dataset} now fails its re-identification thresholds`,
            detail: `Its last test, run again on ${r.records} records: ${r.violations.map((v) => v.message).join('; ')}.`,
            evidence,
          },
        ];
      if (r.status === 'untestable')
        return [
          {
            key: `untestable:${r.dataset}`,
            severity: 'low',
            title: `Released dataset ${r.dataset} cannot be re-tested`,
            detail: `Its last re-identification test cannot be repeated: ${r.reason}.`,
            evidence,
          },
        ];
      return [];
    });
    return {
      ok: findings.length === 0,
      summary: {
        released: results.length,
        passed: results.filter((r) => r.status === 'passed').map((r) => r.dataset),
        failed: results.flatMap((r) =>
          r.status === 'failed' ? [{ dataset: r.dataset, thresholds: r.violations.map((v) => v.threshold) }] : [],
        ),
        untestable: results.filter((r) => r.status === 'untestable').map((r) => r.dataset),
      },
      findings,
      // Every released dataset was looked at; one no longer released is no longer this audit's concern.
      covers: () => true,
    };
  },
};

// Audit kind use_case_triggers: the hourly sweep that sends AI use cases back to the board.
// Reopening a use case is its own audited change in the use-cases area. Every case the sweep sent
// back and the board has not decided again is a finding (one per case, high when a
// re-identification test failed); the board's new decision remediates it, and a later trigger
// after that decision reopens it.
import type { AuditKindHandler, FindingInput } from '../types';
import { awaitingReReview, sweepTriggers } from '../../use-cases';
import { paths } from '../../http/paths';

export const useCaseTriggers: AuditKindHandler = {
  dryRun: false,
  async run({ deps, progress }) {
    await progress(10, 'Checking AI use cases for re-review triggers');
    const { checked, reopened } = await sweepTriggers(deps);
    const waiting = await awaitingReReview(deps);
    const findings: FindingInput[] = waiting.map((c) => {
      const last = c.triggers[c.triggers.length - 1];
      return {
        key: `use_case:${c.id}`,
        severity: c.triggers.some((x) => x.kind === 'reid_failed') ? 'high' : 'medium',
        title: `AI use case "${c.title}" is back with the board for re-review`,
        detail: `${c.triggers.map((x) => x.detail).join(' ')} Sent back ${last.at.toISOString().slice(0, 10)}; the board's new decision closes this finding.`,
        evidence: [{ label: `use case ${c.id}`, href: paths.useCases.show(c.id) }],
      };
    });
    return {
      ok: true,
      summary: { checked, reopened, awaitingReview: waiting.map((c) => c.id) },
      findings,
      // Every case is looked at: one no longer waiting was decided again (or retired).
      covers: () => true,
    };
  },
};

// Audit kind use_case_triggers: the hourly sweep that sends AI use cases back to the board.
// Reopening a use case is its own audited change in the use-cases area; no findings here.
import type { AuditKindHandler } from '../types';
import { sweepTriggers } from '../../use-cases';

export const useCaseTriggers: AuditKindHandler = {
  dryRun: false,
  async run({ deps, progress }) {
    await progress(10, 'Checking AI use cases for re-review triggers');
    const { checked, reopened } = await sweepTriggers(deps);
    return { ok: true, summary: { checked, reopened }, findings: [] };
  },
};

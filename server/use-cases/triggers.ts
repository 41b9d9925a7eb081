// The hourly sweep (schedule use_case_triggers): an approved use case goes back to review when its
// re-review date passed, when the latest re-identification test of a linked dataset failed after
// the decision, or when a model it uses was flagged "retraining required" after the decision.
// Each trigger is recorded once (use_case_triggers is unique by case, kind and key) and audited.
import type { Deps } from '../deps';
import { latestReidRuns } from './evidence';
import { createUseCaseService, isoDay } from './service';
import type { UseCaseRow } from './queries';

const APPROVED = ['approved', 'approved_with_conditions'];

export async function sweepTriggers(
  deps: Pick<Deps, 'db' | 'audit' | 'policies'>,
): Promise<{ checked: number; reopened: Record<string, number> }> {
  const cases = createUseCaseService(deps);
  const reopened: Record<string, number> = { review_due: 0, reid_failed: 0, model_flagged: 0 };
  const rows = await deps.db<UseCaseRow>('use_cases').whereIn('status', APPROVED);
  for (const uc of rows) {
    const decision = await deps
      .db('use_case_decisions')
      .where({ use_case_id: uc.id })
      .orderBy('decided_at', 'desc')
      .first('decided_at');
    const since: Date = decision?.decided_at ?? uc.updated_at;
    if (uc.next_review_at && uc.next_review_at <= new Date()) {
      if (
        await cases.reopen(
          uc.id,
          'review_due',
          isoDay(uc.next_review_at)!,
          `The re-review date ${isoDay(uc.next_review_at)} passed.`,
        )
      )
        reopened.review_due++;
      continue;
    }
    const failed = (await latestReidRuns(deps.db, uc.datasets)).find(
      (r) => r.passed === false && r.finished_at > since,
    );
    if (failed) {
      if (
        await cases.reopen(
          uc.id,
          'reid_failed',
          failed.id,
          `The latest re-identification test of ${failed.dataset} failed.`,
        )
      )
        reopened.reid_failed++;
      continue;
    }
    if (uc.datamap_models.length) {
      const flag = await deps
        .db('ai_artefact_flags')
        .where({ kind: 'model_retraining_required' })
        .whereIn('artefact', uc.datamap_models)
        .whereNull('resolved_at')
        .where('created_at', '>', since)
        .orderBy('created_at')
        .first();
      if (
        flag &&
        (await cases.reopen(
          uc.id,
          'model_flagged',
          String(flag.id),
          `Model ${flag.artefact} must be retrained after an erasure.`,
        ))
      )
        reopened.model_flagged++;
    }
  }
  return { checked: rows.length, reopened };
}

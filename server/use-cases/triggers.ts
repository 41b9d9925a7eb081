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

/** The kinds of trigger the sweep fires (edits and data changes are a person's own doing). */
export const SWEEP_TRIGGERS = ['review_due', 'reid_failed', 'model_flagged'] as const;

export interface AwaitingReReview {
  id: string;
  title: string;
  /** The sweep's triggers since the case's last decision, oldest first. */
  triggers: { kind: string; detail: string; at: Date }[];
}

/**
 * Cases the sweep sent back to the board that the board has not decided again: in review, with a
 * sweep trigger recorded after their last decision. Read from state, so a case still waiting is
 * seen by every sweep, not only the one that moved it.
 */
export async function awaitingReReview(deps: Pick<Deps, 'db'>): Promise<AwaitingReReview[]> {
  const rows: { id: string; title: string; kind: string; detail: string; created_at: Date }[] = await deps
    .db('use_cases as uc')
    .join('use_case_triggers as t', 't.use_case_id', 'uc.id')
    .where('uc.status', 'in_review')
    .whereIn('t.kind', SWEEP_TRIGGERS)
    .whereRaw(
      `t.created_at > coalesce((SELECT max(d.decided_at) FROM use_case_decisions d WHERE d.use_case_id = uc.id), '-infinity')`,
    )
    .orderBy([{ column: 'uc.id' }, { column: 't.created_at' }, { column: 't.id' }])
    .select('uc.id', 'uc.title', 't.kind', 't.detail', 't.created_at');
  const byCase = new Map<string, AwaitingReReview>();
  for (const r of rows) {
    const c = byCase.get(r.id) ?? { id: r.id, title: r.title, triggers: [] };
    c.triggers.push({ kind: r.kind, detail: r.detail, at: r.created_at });
    byCase.set(r.id, c);
  }
  return [...byCase.values()];
}

// The board's review: an officer or the chair assigns board members; each votes once per version;
// when the policy's quorum is reached and one side has the majority, the decision is recorded with
// its votes, conditions (tracked items with owner and due date), re-review date, tier, the rules
// behind it and the bundle hash. The owner, the proposer and whoever submitted the case cannot vote
// (the same people-behind-the-actors rule as four-eyes on requests: server/auth/accountable.ts).
import type { Knex } from 'knex';
import type { Deps } from '../deps';
import type { Principal } from '../auth';
import { accountableFor, activeUsersAmong, samePerson } from '../auth';
import { ConflictError, ForbiddenError } from '../errors';
import { addIsoDuration } from '../policies/durations';
import type { VoteInput } from './commands';
import { isoDay, missingAssessments, type Outcome, type UseCaseService } from './service';
import { jsonPatch, type UseCaseRow, type VoteRow } from './queries';

export const BOARD_ROLES = ['ethics_board', 'board_chair'];

export function createReviewService(deps: Pick<Deps, 'db' | 'audit' | 'policies'>, cases: UseCaseService) {
  async function assign(id: string, reviewerIds: string[], principal: Principal): Promise<Outcome<UseCaseRow>> {
    const row = await cases.load(id);
    if (!['submitted', 'in_review'].includes(row.status))
      throw new ConflictError('Reviewers are assigned once the use case is submitted and until it is decided.');
    const users = await activeUsersAmong(deps.db, reviewerIds, BOARD_ROLES);
    if (users.length !== new Set(reviewerIds).size)
      return { ok: false, errors: { reviewerIds: 'Choose active members of the ethics board.' } };
    const conflicted: string[] = [];
    for (const u of users)
      if (await samePerson(deps.db, `user:${u.id}`, [`user:${row.owner_id}`, row.created_by, row.submitted_by]))
        conflicted.push(u.id);
    if (conflicted.length)
      return {
        ok: false,
        errors: { reviewerIds: 'The owner, the proposer and the submitter of a use case cannot review it.' },
      };
    const { minReviewers } = cases.policy().board;
    const saved = await deps.db.transaction(async (trx) => {
      await trx('use_case_reviewers')
        .insert(reviewerIds.map((u) => ({ use_case_id: id, user_id: u, assigned_by: principal.id })))
        .onConflict(['use_case_id', 'user_id'])
        .ignore();
      const [{ n }] = await trx('use_case_reviewers').where({ use_case_id: id }).count<{ n: string }[]>({ n: '*' });
      if (Number(n) < minReviewers) return null;
      const [moved] = await trx('use_cases')
        .where({ id })
        .update({ status: 'in_review', updated_at: new Date() })
        .returning<UseCaseRow[]>('*');
      await deps.audit.append(
        {
          actor: principal.id,
          action: 'use_case.reviewers_assigned',
          target: `use_case:${id}`,
          details: { reviewers: reviewerIds.map((u) => `user:${u}`), total: Number(n) },
        },
        trx,
      );
      return moved;
    });
    if (!saved)
      return {
        ok: false,
        errors: { reviewerIds: `The policy needs at least ${minReviewers} board members on a review.` },
      };
    return { ok: true, value: saved };
  }

  async function vote(
    id: string,
    input: VoteInput,
    principal: Principal,
  ): Promise<Outcome<{ row: UseCaseRow; decided: string | null }>> {
    const row = await cases.load(id);
    if (row.status !== 'in_review') throw new ConflictError('Votes are cast while the use case is in review.');
    if (await samePerson(deps.db, principal.id, [`user:${row.owner_id}`, row.created_by, row.submitted_by])) {
      await deps.audit.append({
        actor: principal.id,
        action: 'access.denied',
        target: `use_case:${id}`,
        details: {
          permission: 'use_case:review',
          role: principal.role,
          reason: 'the owner, proposer or submitter (or a token they created) may not vote',
        },
      });
      throw new ForbiddenError(
        'use_case:review',
        'You own, proposed or submitted this use case (or created the API token acting for you), so you cannot vote on it.',
      );
    }
    const voter = await accountableFor(deps.db, principal.id);
    const assigned =
      voter.startsWith('user:') &&
      (await deps
        .db('use_case_reviewers')
        .where({ use_case_id: id, user_id: voter.slice(5) })
        .first());
    if (!assigned)
      throw new ForbiddenError('use_case:review', 'Only board members assigned to this review can vote on it.');
    if (row.tier === 'prohibited' && input.vote !== 'reject')
      return { ok: false, errors: { vote: 'A prohibited practice (AI Act Art. 5) can only be rejected.' } };
    const missing = missingAssessments(row);
    if (missing.length && input.vote !== 'reject')
      return {
        ok: false,
        errors: { vote: `Complete the required assessment first: ${missing.map((m) => m.toUpperCase()).join(', ')}.` },
      };

    const decided = await deps.db.transaction(async (trx) => {
      const locked = await trx<UseCaseRow>('use_cases').where({ id }).forUpdate().first();
      if (!locked || locked.status !== 'in_review' || locked.version !== row.version)
        throw new ConflictError('The use case changed while you voted; read the new version and vote again.');
      const inserted = await trx('use_case_votes')
        .insert({
          use_case_id: id,
          version: row.version,
          voter,
          actor: principal.id,
          vote: input.vote,
          comment: input.comment,
          conditions: JSON.stringify(input.conditions),
        })
        .onConflict(['use_case_id', 'version', 'voter'])
        .ignore()
        .returning('id');
      if (!inserted.length) throw new ConflictError('You have already voted on this version.');
      await deps.audit.append(
        {
          actor: principal.id,
          action: 'use_case.voted',
          target: `use_case:${id}`,
          details: { version: row.version, vote: input.vote, voter, conditions: input.conditions.length },
        },
        trx,
      );
      return decideIfDone(trx, locked);
    });
    return { ok: true, value: { row: await cases.load(id), decided } };
  }

  /** With the quorum of votes on this version and a majority for one side, the decision is recorded. */
  async function decideIfDone(trx: Knex.Transaction, row: UseCaseRow): Promise<string | null> {
    const { board } = cases.policy();
    const votes = await trx<VoteRow>('use_case_votes')
      .where({ use_case_id: row.id, version: row.version })
      .orderBy('id');
    if (votes.length < board.quorum) return null;
    const approvals = votes.filter((v) => v.vote !== 'reject').length;
    const rejections = votes.length - approvals;
    const outcome =
      approvals / votes.length > board.majority
        ? votes.some((v) => v.vote === 'approve_with_conditions')
          ? 'approved_with_conditions'
          : 'approved'
        : rejections / votes.length > board.majority
          ? 'rejected'
          : null;
    if (!outcome) return null;
    const now = new Date();
    const tier = (row.tier ?? 'minimal') as 'high' | 'limited' | 'minimal';
    let reviewAt: Date | null = null;
    if (outcome !== 'rejected') {
      reviewAt = addIsoDuration(now, board.reviewEvery[tier] ?? board.reviewEvery.high);
      if (outcome === 'approved_with_conditions') {
        const within = addIsoDuration(now, board.conditionalReviewWithin);
        if (within < reviewAt) reviewAt = within;
      }
    }
    const [decision] = await trx('use_case_decisions')
      .insert({
        use_case_id: row.id,
        version: row.version,
        outcome,
        votes: JSON.stringify(
          votes.map((v) => ({
            voter: v.voter,
            actor: v.actor,
            vote: v.vote,
            comment: v.comment,
            conditions: v.conditions,
          })),
        ),
        tier: row.tier ?? 'minimal',
        rules_fired: JSON.stringify(row.classification?.rulesFired ?? []),
        bundle_hash: deps.policies.hash(),
        review_at: reviewAt,
      })
      .returning('id');
    const conditions = outcome === 'approved_with_conditions' ? votes.flatMap((v) => v.conditions) : [];
    const defaultDue = isoDay(addIsoDuration(now, board.conditionDueWithin))!;
    if (conditions.length) {
      await trx('use_case_conditions').insert(
        conditions.map((c) => ({
          decision_id: decision.id,
          use_case_id: row.id,
          text: c.text,
          owner_id: c.ownerId ?? row.owner_id,
          due_on: c.due ?? defaultDue,
        })),
      );
    }
    await trx('use_cases')
      .where({ id: row.id })
      .update(jsonPatch({ status: outcome as UseCaseRow['status'], next_review_at: reviewAt, updated_at: now }));
    await deps.audit.append(
      {
        actor: 'system:board',
        action: 'use_case.decided',
        target: `use_case:${row.id}`,
        details: {
          decisionId: decision.id,
          outcome,
          version: row.version,
          tier: row.tier,
          votes: votes.length,
          conditions: conditions.length,
          reviewAt: reviewAt?.toISOString() ?? null,
          rules: (row.classification?.rulesFired ?? []).map((r) => r.name),
          bundleHash: deps.policies.hash(),
        },
      },
      trx,
    );
    return outcome;
  }

  async function completeCondition(useCaseId: string, conditionId: string, principal: Principal): Promise<void> {
    await deps.db.transaction(async (trx) => {
      const n = await trx('use_case_conditions')
        .where({ id: conditionId, use_case_id: useCaseId })
        .whereNull('done_at')
        .update({ done_at: new Date(), done_by: principal.id });
      if (!n) throw new ConflictError('That condition is already met or does not belong to this use case.');
      await deps.audit.append(
        {
          actor: principal.id,
          action: 'use_case.condition_met',
          target: `use_case:${useCaseId}`,
          details: { conditionId },
        },
        trx,
      );
    });
  }

  return { assign, vote, completeCondition };
}

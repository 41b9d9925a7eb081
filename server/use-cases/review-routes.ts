// One use case's page (tier and the rules that fired, assessments, reviewers, votes, decisions with
// conditions, linked evidence, triggers, versions) and the board's actions on it.
import { Router, type Request, type Response } from 'express';
import { paths } from '../http/paths';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { noErrors, parseForm, type FormErrors } from '../http/forms';
import { decideAccess } from '../policies/access';
import { NotFoundError } from '../errors';
import { accountableFor, activeUsers, displayNamesOf } from '../auth';
import { assignInput, overrideInput, voteInput } from './commands';
import { diffSnapshots, isoDay, missingAssessments } from './service';
import { BOARD_ROLES } from './review';
import { conditionsOf, decisionsOf, reviewersOf, triggersOf, versionsOf, votesOf, type UseCaseRow } from './queries';
import { evidenceFor } from './evidence';
import { conditionsFromForm } from './forms';
import { errorsOf, UUID } from './routes';
import {
  DUTY_LABEL,
  PERSONAL_DATA_USE_LABEL,
  ROLE_LABEL,
  STATUS_LABEL,
  TIER_LABEL,
  TRIGGER_LABEL,
  VOTE_LABEL,
} from './view-model';
import { services } from '../services';

export function useCaseReviewRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const { useCases: cases, reviews: review } = services(deps);
  const load = async (raw: string) => {
    if (!UUID.safeParse(raw).success) throw new NotFoundError('No such use case.');
    return cases.load(raw);
  };
  const names = async (actors: string[]) => {
    const ids = [...new Set(actors.filter((a) => a?.startsWith('user:')).map((a) => a.slice(5)))];
    const rows = ids.length ? await displayNamesOf(deps.db, ids) : [];
    const map = new Map(rows.map((u) => [`user:${u.id}`, u.display_name as string]));
    return (a: string | null) => (a ? (map.get(a) ?? a) : '—');
  };

  async function showPage(
    req: Request,
    res: Response,
    row: UseCaseRow,
    errors: FormErrors = noErrors,
    status = 200,
    input: Record<string, unknown> = {},
  ) {
    const [reviewers, votes, decisions, conditions, triggers, versions, evidence, board] = await Promise.all([
      reviewersOf(deps.db, row.id),
      votesOf(deps.db, row.id, row.version),
      decisionsOf(deps.db, row.id),
      conditionsOf(deps.db, row.id),
      triggersOf(deps.db, row.id),
      versionsOf(deps.db, row.id),
      evidenceFor(deps.db, row),
      activeUsers(deps.db, BOARD_ROLES),
    ]);
    const who = await names([
      row.created_by,
      row.submitted_by ?? '',
      `user:${row.owner_id}`,
      ...votes.map((v) => v.voter),
      ...decisions.flatMap((d) => d.votes.map((v) => v.voter)),
    ]);
    const me = req.principal ? await accountableFor(deps.db, req.principal.id) : '';
    const policy = deps.policies.current().aiAct;
    const c = row.classification;
    await res.page(
      'use-cases/show',
      {
        title: `${errors.summary.length ? 'Error: ' : ''}${row.title}`,
        row,
        status: STATUS_LABEL[row.status],
        tier: row.tier ? { key: row.tier, ...TIER_LABEL[row.tier] } : null,
        rulesTier: c ? TIER_LABEL[c.tier].label : null,
        role: row.role ? ROLE_LABEL[row.role] : 'Not stated yet',
        duties: (c?.transparencyDuties ?? []).map((d) => DUTY_LABEL[d] ?? d),
        rules: c?.rulesFired ?? [],
        flags: c?.flags ?? [],
        requires: (c?.requires ?? []).map((x) => x.toUpperCase()),
        missing: missingAssessments(row).map((x) => x.toUpperCase()),
        answered: Object.keys(row.answers).length > 0,
        owner: who(`user:${row.owner_id}`),
        proposer: who(row.created_by),
        submitter: who(row.submitted_by),
        uses: row.personal_data_uses.map((u) => PERSONAL_DATA_USE_LABEL[u] ?? u),
        goLive: isoDay(row.go_live) ?? '—',
        nextReview: isoDay(row.next_review_at) ?? '—',
        reviewers,
        minReviewers: policy?.board.minReviewers ?? 0,
        quorum: policy?.board.quorum ?? 0,
        board: board.filter((b) => !reviewers.some((x) => x.id === b.id)),
        votes: votes.map((v) => ({
          voter: who(v.voter),
          vote: VOTE_LABEL[v.vote],
          comment: v.comment,
          conditions: v.conditions,
        })),
        hasVoted: votes.some((v) => v.voter === me),
        isAssigned: reviewers.some((x) => `user:${x.id}` === me),
        decisions: decisions.map((d) => ({
          ...d,
          outcome: STATUS_LABEL[d.outcome],
          at: isoDay(d.decided_at),
          reviewAt: isoDay(d.review_at) ?? '—',
          tier: TIER_LABEL[d.tier]?.label ?? d.tier,
          votes: d.votes.map((v) => ({ ...v, voter: who(v.voter), vote: VOTE_LABEL[v.vote] })),
        })),
        conditions: conditions.map((x) => ({
          ...x,
          due: isoDay(x.due_on),
          overdue: !x.done_at && new Date(x.due_on) < new Date(),
        })),
        triggers: triggers.map((x) => ({ ...x, label: TRIGGER_LABEL[x.kind] ?? x.kind, at: isoDay(x.created_at) })),
        versions: versions.map((v) => ({ version: v.version, at: isoDay(v.created_at) })),
        evidence,
        tiers: Object.entries(TIER_LABEL).map(([value, t]) => ({ value, label: t.label })),
        errors,
        input,
        canDecide: req.principal
          ? decideAccess(deps.policies.current().access, {
              principal: req.principal,
              action: 'decide',
              resource: 'use_case',
            }).allowed
          : false,
      },
      status,
    );
  }

  r.get('/use-cases/:id', can('read', 'use_case'), async (req, res) => {
    await showPage(req, res, await load(String(req.params.id)));
  });

  r.post('/use-cases/:id/submit', can('create', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    const out = await cases.submit(row.id, req.principal!);
    if (!out.ok) return showPage(req, res, row, errorsOf(out.errors), 422);
    res.flash('success', 'Submitted to the ethics board.');
    res.redirect(303, paths.useCases.show(row.id));
  });

  r.post('/use-cases/:id/assign', can('assign', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    const ids = Array.isArray(req.body.reviewerIds)
      ? req.body.reviewerIds
      : req.body.reviewerIds
        ? [req.body.reviewerIds]
        : [];
    const parsed = parseForm(assignInput, { reviewerIds: ids });
    if (!parsed.ok) return showPage(req, res, row, parsed.errors, 422);
    const out = await review.assign(row.id, parsed.data.reviewerIds, req.principal!);
    if (!out.ok) return showPage(req, res, row, errorsOf(out.errors), 422);
    res.flash('success', 'Reviewers assigned.');
    res.redirect(303, paths.useCases.show(row.id));
  });

  r.post('/use-cases/:id/votes', can('review', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    const parsed = parseForm(voteInput, {
      vote: req.body.vote,
      comment: req.body.comment,
      conditions: conditionsFromForm(req.body.conditions),
    });
    if (!parsed.ok) return showPage(req, res, row, parsed.errors, 422, req.body);
    const out = await review.vote(row.id, parsed.data, req.principal!);
    if (!out.ok) return showPage(req, res, row, errorsOf(out.errors), 422, req.body);
    res.flash(
      'success',
      out.value.decided ? `Vote recorded. The board's decision: ${STATUS_LABEL[out.value.decided]}.` : 'Vote recorded.',
    );
    res.redirect(303, paths.useCases.show(row.id));
  });

  r.post('/use-cases/:id/override', can('decide', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    const parsed = parseForm(overrideInput, req.body);
    if (!parsed.ok) return showPage(req, res, row, parsed.errors, 422, req.body);
    await cases.overrideTier(row.id, parsed.data.tier, parsed.data.justification, req.principal!);
    res.flash('success', 'Tier overridden; the justification is in the audit log.');
    res.redirect(303, paths.useCases.show(row.id));
  });

  r.post('/use-cases/:id/retire', can('decide', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    await cases.retire(row.id, req.principal!);
    res.flash('success', 'Retired.');
    res.redirect(303, paths.useCases.show(row.id));
  });

  r.post('/use-cases/:id/conditions/:cid/done', can('review', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    if (!/^\d+$/.test(String(req.params.cid))) throw new NotFoundError('No such condition.');
    await review.completeCondition(row.id, String(req.params.cid), req.principal!);
    res.flash('success', 'Condition marked as met.');
    res.redirect(303, paths.useCases.show(row.id));
  });

  r.get('/use-cases/:id/versions/:version', can('read', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    const v = Number.parseInt(String(req.params.version), 10);
    const [after, before] = await Promise.all([
      deps.db('use_case_versions').where({ use_case_id: row.id, version: v }).first(),
      deps
        .db('use_case_versions')
        .where({ use_case_id: row.id, version: v - 1 })
        .first(),
    ]);
    if (!after) throw new NotFoundError('No such version.');
    await res.page('use-cases/version', {
      title: `${row.title}: version ${v}`,
      row,
      version: v,
      at: isoDay(after.created_at),
      changes: before ? diffSnapshots(before.snapshot, after.snapshot) : null,
    });
  });

  return router;
}

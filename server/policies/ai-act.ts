// EU AI Act classification from the rules in ai-act.yaml. Two passes: the answers decide the tier,
// the role and the Art. 50 duties; then rules that test tier.<t> / role.<r> (the assessments of
// GDPR Art. 35 and AI Act Art. 27, deployer duties) are evaluated against that outcome.
import type { AI_ASSESSMENTS, AI_DUTIES, AI_ROLES, AI_TIERS, AiActFile, QUESTION_SECTIONS } from './schemas/ai-act';
import type { SourceRef } from './types';
import { locate, type SourceFile } from './yaml-source';

export type AiTier = (typeof AI_TIERS)[number];
export type AiRole = (typeof AI_ROLES)[number];
export type AiDuty = (typeof AI_DUTIES)[number];
export type AiAssessment = (typeof AI_ASSESSMENTS)[number];

export interface AiQuestion {
  id: string;
  section: (typeof QUESTION_SECTIONS)[number];
  text: string;
  kind: 'yes_no' | 'text';
  hint?: string;
}

export interface AiRule {
  name: string;
  article: string;
  reason: string;
  when: { all: string[]; any: string[]; none: string[] };
  tier?: AiTier;
  derogable: boolean;
  derogation: boolean;
  role?: AiRole;
  duty?: AiDuty;
  requires: AiAssessment[];
  flags: string[];
  source: SourceRef;
}

export interface BoardRules {
  minReviewers: number;
  quorum: number;
  majority: number;
  reviewEvery: Record<'high' | 'limited' | 'minimal', string>;
  conditionalReviewWithin: string;
  conditionDueWithin: string;
}

export interface AiActPolicy {
  questions: AiQuestion[];
  rules: AiRule[];
  board: BoardRules;
  dates: { name: string; date: string; article: string; description: string }[];
}

export type Answers = Record<string, boolean | string | undefined>;

export interface FiredRule {
  name: string;
  article: string;
  reason: string;
  /** An Annex III rule set aside by a granted Art. 6(3) derogation. */
  setAside?: boolean;
}

export interface Classification {
  tier: AiTier;
  /** provider, deployer, or both; null when the role questions are unanswered. */
  role: 'provider' | 'deployer' | 'provider_and_deployer' | null;
  transparencyDuties: AiDuty[];
  requires: AiAssessment[];
  flags: string[];
  gpai: boolean;
  rulesFired: FiredRule[];
}

export const TIER_ORDER: AiTier[] = ['prohibited', 'high', 'limited', 'minimal'];

export function mapAiAct(file: SourceFile, data: AiActFile): AiActPolicy {
  return {
    questions: data.questions.map((q) => ({ id: q.id, section: q.section, text: q.text, kind: q.kind, ...(q.hint ? { hint: q.hint } : {}) })),
    rules: data.rules.map((r, i) => ({
      name: r.name,
      article: r.article,
      reason: r.reason,
      when: { all: [...(r.when.all ?? [])], any: [...(r.when.any ?? [])], none: [...(r.when.none ?? [])] },
      ...(r.tier ? { tier: r.tier } : {}),
      derogable: r.derogable ?? false,
      derogation: r.derogation ?? false,
      ...(r.role ? { role: r.role } : {}),
      ...(r.duty ? { duty: r.duty } : {}),
      requires: [...(r.requires ?? [])],
      flags: [...(r.flags ?? [])],
      source: locate(file, ['rules', i]),
    })),
    board: {
      minReviewers: data.board.min_reviewers,
      quorum: data.board.quorum,
      majority: data.board.majority,
      reviewEvery: { ...data.board.review_every },
      conditionalReviewWithin: data.board.conditional_review_within,
      conditionDueWithin: data.board.condition_due_within,
    },
    dates: (data.dates ?? []).map((d) => ({ ...d })),
  };
}

const isDerived = (f: string) => f.startsWith('tier.') || f.startsWith('role.');
const usesDerived = (r: AiRule) => [...r.when.all, ...r.when.any, ...r.when.none].some(isDerived);

function holds(rule: AiRule, fact: (f: string) => boolean): boolean {
  const { all, any, none } = rule.when;
  return all.every(fact) && (any.length === 0 || any.some(fact)) && !none.some(fact);
}

/** True for a yes answer or a non-blank text answer. */
export function answered(value: boolean | string | undefined): boolean {
  return typeof value === 'string' ? value.trim().length > 0 : value === true;
}

export function classify(policy: AiActPolicy, answers: Answers): Classification {
  const fromAnswers = (f: string) => answered(answers[f]);
  const first = policy.rules.filter((r) => !usesDerived(r) && holds(r, fromAnswers));
  const derogated = first.some((r) => r.derogation);
  const counted = (r: AiRule) => !(derogated && r.derogable);

  const tiers = first.filter((r) => r.tier && counted(r)).map((r) => r.tier!);
  const tier = TIER_ORDER.find((t) => tiers.includes(t)) ?? 'minimal';
  const roles = new Set(first.filter((r) => r.role).map((r) => r.role!));
  const role = roles.has('provider') && roles.has('deployer') ? 'provider_and_deployer' : roles.has('provider') ? 'provider' : roles.has('deployer') ? 'deployer' : null;

  const derived = (f: string) => {
    if (f.startsWith('tier.')) return f.slice(5) === tier;
    if (f.startsWith('role.')) return roles.has(f.slice(5) as AiRole);
    return fromAnswers(f);
  };
  const second = policy.rules.filter((r) => usesDerived(r) && holds(r, derived));
  const fired = [...first, ...second];
  const uniq = <T>(xs: T[]) => [...new Set(xs)];
  const flags = uniq(fired.flatMap((r) => r.flags));
  return {
    tier,
    role,
    transparencyDuties: uniq(fired.filter((r) => r.duty).map((r) => r.duty!)),
    requires: uniq(fired.flatMap((r) => r.requires)),
    flags,
    gpai: flags.includes('gpai_used'),
    rulesFired: fired.map((r) => ({ name: r.name, article: r.article, reason: r.reason, ...(counted(r) ? {} : { setAside: true }) })),
  };
}

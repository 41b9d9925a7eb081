// What an erasure request does to one column, from deletion.yaml: the longest matching category
// prefix wins; at equal length a rule naming the regulation beats an `all` rule. Exemptions (a legal
// basis to keep the row) are checked first.
import { categoryCovers, categoryDepth } from './categories';
import { addIsoDuration } from './durations';
import type { DeletionDecision, DeletionPolicy, DeletionQuery, DeletionRule, Exemption, Regulation } from './types';

export function appliesTo(regulations: Regulation[] | 'all', regulation: Regulation): boolean {
  return regulations === 'all' || regulations.includes(regulation);
}

/** Orders candidate rules most specific first: longer category, then a named regulation over `all`. */
export function compareDeletionSpecificity(a: DeletionRule, b: DeletionRule): number {
  return (
    categoryDepth(b.category) - categoryDepth(a.category) ||
    Number(b.regulations !== 'all') - Number(a.regulations !== 'all')
  );
}

export function matchDeletionRule(rules: DeletionRule[], category: string, regulation: Regulation): DeletionRule | null {
  const candidates = rules.filter((r) => categoryCovers(r.category, category) && appliesTo(r.regulations, regulation));
  return candidates.sort(compareDeletionSpecificity)[0] ?? null;
}

export function exemptionMatches(e: Exemption, q: DeletionQuery): boolean {
  return (
    appliesTo(e.regulations, q.regulation) &&
    (e.datasets.length === 0 || e.datasets.includes(q.dataset)) &&
    (e.categories.length === 0 || e.categories.some((c) => categoryCovers(c, q.category)))
  );
}

export function decideDeletion(policy: DeletionPolicy, q: DeletionQuery): DeletionDecision {
  const rule = matchDeletionRule(policy.rules, q.category, q.regulation);
  const exemption = policy.exemptions.find((e) => exemptionMatches(e, q));
  if (exemption) {
    const erase = exemption.erase
      .filter((x) => categoryCovers(x.category, q.category))
      .sort((a, b) => categoryDepth(b.category) - categoryDepth(a.category))[0];
    return {
      kind: 'exempt',
      exemption,
      ...(erase ? { erase: withMask(erase) } : {}),
      fallback: rule ? { ...withMask(rule), rule } : null,
    };
  }
  if (!rule) return { kind: 'none' };
  return { kind: 'erase', ...withMask(rule), rule };
}

/**
 * The decision for one row, given its dates: an exemption with keep_for only covers rows whose
 * `from` date plus keep_for is still ahead of `now`; older rows fall back to the plain rule. A row
 * without that date stays exempt (the basis cannot be shown to have lapsed).
 */
export function decideDeletionForRow(decision: DeletionDecision, dates: Record<string, Date | undefined>, now: Date): DeletionDecision {
  if (decision.kind !== 'exempt') return decision;
  const until = exemptUntil(decision.exemption, dates);
  if (!until || until > now) return decision;
  const fb = decision.fallback;
  return fb ? { kind: 'erase', strategy: fb.strategy, ...(fb.maskValue !== undefined ? { maskValue: fb.maskValue } : {}), rule: fb.rule } : { kind: 'none' };
}

/** When a row stops being exempt, or null when the exemption has no end (or the row lacks the date). */
export function exemptUntil(exemption: Exemption, dates: Record<string, Date | undefined>): Date | null {
  if (!exemption.keepFor || !exemption.from) return null;
  const start = dates[exemption.from];
  return start ? addIsoDuration(start, exemption.keepFor) : null;
}

function withMask(x: { strategy: DeletionRule['strategy']; maskValue?: string }) {
  return { strategy: x.strategy, ...(x.maskValue !== undefined ? { maskValue: x.maskValue } : {}) };
}

// Retention decisions from retention.yaml for one record. A rule for the record's dataset beats any
// category rule; among category rules the longest matching prefix wins. An active legal hold on the
// dataset, a category of the record or the data subject overrides everything: the record is held
// (holds.ts decides, the same function the erasure job and the preview use).
import { categoryCovers, categoryDepth } from './categories';
import { addIsoDuration } from './durations';
import { heldBy } from './holds';
import type { LegalHold, RetentionPolicy, RetentionRule } from './types';

export { holdActive, holdCovers, holdExpiresAt } from './holds';

export interface RetentionRecord {
  dataset: string; // "<system>.<dataset>"
  categories: string[]; // categories of the record's columns
  dates: Record<string, Date>; // date columns
  events: Record<string, Date>; // events that happened, e.g. account_closed
  subject?: string; // fingerprint of the data subject, for subject holds
  now: Date;
}

export type RetentionOutcome =
  | { action: 'keep'; until: Date | null; rule: RetentionRule | null; reason: string }
  | { action: 'delete' | 'anonymize' | 'review'; rule: RetentionRule; due: Date };

export type RetentionDecision =
  | RetentionOutcome
  /** `then` is what would happen without the hold. */
  | { action: 'held'; hold: LegalHold; rule: RetentionRule | null; then: RetentionOutcome };

/** 2 for a dataset rule, 1 + depth/1000 for a category rule: higher is more specific. */
export function retentionSpecificity(rule: RetentionRule): number {
  return rule.dataset !== undefined ? 2 : 1 + categoryDepth(rule.category ?? '') / 1000;
}

export function matchRetentionRule(rules: RetentionRule[], dataset: string, categories: string[]): RetentionRule | null {
  const candidates = rules.filter((r) =>
    r.dataset !== undefined ? r.dataset === dataset : categories.some((c) => categoryCovers(r.category as string, c)),
  );
  // A stable sort keeps file order among equals; checks.ts makes equal-but-different rules an error.
  return candidates.sort((a, b) => retentionSpecificity(b) - retentionSpecificity(a))[0] ?? null;
}

export function decideRetentionRule(rule: RetentionRule | null, record: RetentionRecord): RetentionOutcome {
  if (!rule) return { action: 'keep', until: null, rule: null, reason: 'no retention rule covers this dataset or its categories' };
  const start = 'column' in rule.from ? record.dates[rule.from.column] : record.events[rule.from.event];
  if (!start) {
    const reason =
      'column' in rule.from
        ? `the record has no ${rule.from.column} date to count from`
        : `counting starts at event ${rule.from.event}, which has not happened`;
    return { action: 'keep', until: null, rule, reason };
  }
  const until = addIsoDuration(start, rule.keepFor);
  if (record.now < until) return { action: 'keep', until, rule, reason: `kept for ${rule.keepFor} from ${describeFrom(rule)}` };
  return { action: rule.action, rule, due: until };
}

export function decideRetention(policy: RetentionPolicy, record: RetentionRecord): RetentionDecision {
  const rule = matchRetentionRule(policy.rules, record.dataset, record.categories);
  const outcome = decideRetentionRule(rule, record);
  const hold = heldBy(policy.legalHolds, record);
  if (hold) return { action: 'held', hold, rule, then: outcome };
  return outcome;
}

export function describeFrom(rule: RetentionRule): string {
  return 'column' in rule.from ? `column ${rule.from.column}` : `event ${rule.from.event}`;
}

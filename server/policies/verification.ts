// How sure of a requester's identity a request must be before it is marked verified
// (verification.yaml). Levels are ordered weakest first; where several requirements match a request
// the strictest wins, so a rule for all regulations can never lower a regulation's own; where none
// matches, the weakest level is enough.
import type { Regulation, VerificationLevel, VerificationPolicy, VerificationRequirement } from './types';

export interface VerificationDecision {
  level: VerificationLevel;
  /** Position in `levels` (0 = weakest). */
  rank: number;
  /** The requirement that set the level; null when none matched. */
  requirement: VerificationRequirement | null;
}

export function decideVerification(
  policy: VerificationPolicy,
  query: { regulation: Regulation; type: 'erasure' | 'access' },
): VerificationDecision {
  const rankOf = (name: string) => policy.levels.findIndex((l) => l.name === name);
  let best: VerificationDecision = { level: policy.levels[0], rank: 0, requirement: null };
  for (const r of policy.requirements) {
    const applies = (r.regulations === 'all' || r.regulations.includes(query.regulation)) && r.types.includes(query.type);
    const rank = rankOf(r.level);
    if (applies && (best.requirement === null || rank > best.rank)) best = { level: policy.levels[rank], rank, requirement: r };
  }
  return best;
}

/** The level a method reaches, or null for a method the policy does not know. */
export function methodLevel(policy: VerificationPolicy, method: string): { level: VerificationLevel; rank: number } | null {
  const name = policy.methods[method];
  const rank = name === undefined ? -1 : policy.levels.findIndex((l) => l.name === name);
  return rank < 0 ? null : { level: policy.levels[rank], rank };
}

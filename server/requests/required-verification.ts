// The identity-verification level a request needs, from the bundle's verification.yaml (CCPA regs
// §7062: disclosing specific pieces of personal information needs a "reasonably high degree of
// certainty", more than a deletion). Pure functions of the bundle: the verify step uses them, and
// so can any other code that has to tell a requester what will be asked of them.
import { decideVerification, methodLevel } from '../policies/verification';
import type { PolicyBundle, Regulation } from '../policies/types';

export interface VerificationRequirement {
  /** The level's name and description from verification.yaml. */
  level: string;
  description: string;
  /** Why (the requirement's reason), null when no requirement matched and the weakest level is enough. */
  reason: string | null;
  /** The methods that reach the level, in the policy's order. */
  methods: string[];
}

/** The level a request of this regulation and type needs; null when the bundle sets none (any method is accepted). */
export function requiredVerification(
  bundle: Pick<PolicyBundle, 'verification'>,
  regulation: Regulation,
  type: 'erasure' | 'access',
): VerificationRequirement | null {
  const policy = bundle.verification;
  if (!policy) return null;
  const d = decideVerification(policy, { regulation, type });
  return {
    level: d.level.name,
    description: d.level.description,
    reason: d.requirement?.reason ?? null,
    methods: Object.keys(policy.methods).filter((m) => (methodLevel(policy, m)?.rank ?? -1) >= d.rank),
  };
}

/** Whether a verification method is enough for a request of this regulation and type. */
export function meetsLevel(
  bundle: Pick<PolicyBundle, 'verification'>,
  regulation: Regulation,
  type: 'erasure' | 'access',
  method: string,
): boolean {
  const required = requiredVerification(bundle, regulation, type);
  return required === null || required.methods.includes(method);
}

// Access decisions from access.yaml. Rules only allow; anything no rule allows is denied. No role
// is special: `admin` can do exactly what its rules say. Named conditions are implemented here.
import type { AccessCondition, AccessDecision, AccessPolicy, AccessQuery, AccessRule } from './types';

const conditionChecks: Record<AccessCondition, (q: AccessQuery) => string | null> = {
  // Four eyes: the person who submitted the resource may not also approve or deny it.
  four_eyes: (q) => {
    const submitter = q.context?.submittedBy;
    if (!submitter) return 'four_eyes: the submitter of this resource is not known';
    if (submitter === q.principal.id) return 'four_eyes: the submitter may not decide on their own submission';
    return null;
  },
};

/** True when `rule` names this role, resource and action (wildcards included), conditions aside. */
export function ruleMatches(rule: AccessRule, q: Pick<AccessQuery, 'action' | 'resource'> & { role: string }): boolean {
  return (
    rule.role === q.role &&
    (rule.resource === '*' || rule.resource === q.resource) &&
    (rule.actions.includes('*') || rule.actions.includes(q.action))
  );
}

/** Exact resource and action before wildcards, so the rule cited is the most telling one. */
function specificity(rule: AccessRule, action: string): number {
  return (rule.resource === '*' ? 0 : 2) + (rule.actions.includes(action) ? 1 : 0);
}

export function decideAccess(policy: AccessPolicy, q: AccessQuery): AccessDecision {
  const known = policy.resources[q.resource];
  if (!known || !known.includes(q.action)) {
    return { allowed: false, reason: `"${q.action}" on "${q.resource}" is not a permission defined in access.yaml resources` };
  }
  const candidates = policy.rules
    .filter((r) => ruleMatches(r, { role: q.principal.role, action: q.action, resource: q.resource }))
    .sort((a, b) => specificity(b, q.action) - specificity(a, q.action));
  let failed: { rule: AccessRule; reason: string } | null = null;
  for (const rule of candidates) {
    const failure = rule.conditions.map((c) => conditionChecks[c](q)).find((r) => r !== null) ?? null;
    if (failure === null) return { allowed: true, rule };
    failed ??= { rule, reason: failure };
  }
  if (failed) return { allowed: false, reason: failed.reason, rule: failed.rule };
  return { allowed: false, reason: `no rule allows role "${q.principal.role}" to ${q.action} ${q.resource} (default deny)` };
}

/** Whether some rule grants the role this permission (defined in `resources`), conditions aside. */
export function roleHas(policy: AccessPolicy, role: string, resource: string, action: string): boolean {
  return (
    Boolean(policy.resources[resource]?.includes(action)) &&
    policy.rules.some((r) => ruleMatches(r, { role, action, resource }))
  );
}

/** Every permission ("resource:action") some rule grants the role, conditions aside. */
export function rolePermissions(policy: AccessPolicy, role: string): string[] {
  const out: string[] = [];
  for (const [resource, actions] of Object.entries(policy.resources)) {
    for (const action of actions) if (roleHas(policy, role, resource, action)) out.push(`${resource}:${action}`);
  }
  return out;
}

// Access review: users per role; people in a role that requires MFA (access.yaml) who have not
// enrolled; accounts with no sign-in and API tokens unused for access.yaml's review.unused_days
// (default 90); API tokens older than the longest a token may last (tokens.max_expiry_days,
// default 365). Ids and roles only: never an email address.
import type { AuditKindHandler, FindingInput } from '../types';

export const accessReview: AuditKindHandler = {
  dryRun: true,
  async run({ deps }) {
    const db = deps.db;
    const access = deps.policies.current().access;
    const mfaRoles = access.roles.filter((r) => r.mfa === 'required').map((r) => r.name);
    const unusedDays = access.reviewUnusedDays;
    const tokenMaxAgeDays = access.tokens.maxExpiryDays;
    const unusedSince = new Date(Date.now() - unusedDays * 86_400_000);
    const perRole: { role: string; n: string }[] = await db('users')
      .whereNull('disabled_at')
      .groupBy('role')
      .select('role', db.raw('count(*) AS n'));
    const noMfa = await db('users')
      .whereNull('disabled_at')
      .whereIn('role', mfaRoles)
      .whereNull('mfa_enrolled_at')
      .select('id', 'role');
    const unused = await db('users as u')
      .whereNull('u.disabled_at')
      .where('u.created_at', '<', unusedSince)
      .whereNotExists(
        db('audit_log as a')
          .where('a.action', 'auth.login')
          .whereRaw(`a.actor = 'user:' || u.id::text`)
          .where('a.at', '>=', unusedSince),
      )
      .select('u.id', 'u.role');
    const live = () =>
      db('api_tokens')
        .whereNull('revoked_at')
        .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', new Date()));
    const unusedTokens = await live()
      .whereRaw('coalesce(last_used_at, created_at) < ?', [unusedSince])
      .select('id', 'role');
    const oldTokens = await live()
      .where('created_at', '<', new Date(Date.now() - tokenMaxAgeDays * 86_400_000))
      .select('id', 'role');
    const findings: FindingInput[] = [
      ...noMfa.map((u) => ({
        key: `no-mfa:${u.id}`,
        severity: 'high' as const,
        title: `A ${u.role} account has no second factor`,
        detail: `access.yaml requires MFA for ${u.role}.`,
        evidence: [{ label: `user ${u.id}`, href: `/admin/users/${u.id}` }],
      })),
      ...unused.map((u) => ({
        key: `unused-account:${u.id}`,
        severity: 'medium' as const,
        title: `A ${u.role} account has not signed in for ${unusedDays} days`,
        evidence: [{ label: `user ${u.id}`, href: `/admin/users/${u.id}` }],
      })),
      ...unusedTokens.map((t) => ({
        key: `unused-token:${t.id}`,
        severity: 'medium' as const,
        title: `An API token (${t.role}) has not been used for ${unusedDays} days`,
        evidence: [{ label: `token ${t.id}`, href: '/admin/tokens' }],
      })),
      ...oldTokens.map((t) => ({
        key: `old-token:${t.id}`,
        severity: 'low' as const,
        title: `An API token (${t.role}) is older than ${tokenMaxAgeDays} days`,
        evidence: [{ label: `token ${t.id}`, href: '/admin/tokens' }],
      })),
    ];
    return {
      ok: findings.length === 0,
      summary: {
        usersPerRole: Object.fromEntries(perRole.map((r) => [r.role, Number(r.n)])),
        withoutMfa: noMfa.length,
        unusedAccounts: unused.length,
        unusedTokens: unusedTokens.length,
        oldTokens: oldTokens.length,
        unusedDays,
        tokenMaxAgeDays,
      },
      findings,
    };
  },
};

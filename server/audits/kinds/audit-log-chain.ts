// Nightly: re-walk the audit-log hash chain. A break is a critical finding (one per broken entry),
// remediated by the audit once the chain verifies past it again (the entry restored from a backup).
// The walk stops at the first break, so entries after it are not looked at: their findings stay.
import type { AuditKindHandler } from '../types';

export const auditLogChain: AuditKindHandler = {
  dryRun: true,
  async run({ deps, progress }) {
    await progress(10, 'Walking the audit-log chain');
    const result = await deps.audit.verify();
    if (result.ok)
      return { ok: true, summary: { entries: result.entries, head: result.head }, findings: [], covers: () => true };
    const broken = result.brokenSeq;
    return {
      ok: false,
      summary: { entries: result.entries, brokenSeq: result.brokenSeq, reason: result.reason },
      findings: [
        {
          key: `broken:${result.brokenSeq}`,
          severity: 'critical',
          title: `The audit-log chain is broken at entry ${result.brokenSeq}`,
          detail: result.reason,
          evidence: [{ label: `entry ${result.brokenSeq}`, href: `/audit-log?from=${result.brokenSeq}` }],
        },
      ],
      covers: (key) => Number(key.slice('broken:'.length)) < Number(broken),
    };
  },
};

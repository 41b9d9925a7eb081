// Nightly: re-walk the audit-log hash chain. A break is a critical finding (one per broken entry).
import type { AuditKindHandler } from '../types';

export const auditLogChain: AuditKindHandler = {
  dryRun: true,
  async run({ deps, progress }) {
    await progress(10, 'Walking the audit-log chain');
    const result = await deps.audit.verify();
    if (result.ok) return { ok: true, summary: { entries: result.entries, head: result.head }, findings: [] };
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
    };
  },
};

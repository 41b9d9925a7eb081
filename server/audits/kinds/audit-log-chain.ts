// Nightly: walk the audit-log hash chain. A break is a critical finding (one per broken entry),
// remediated by the audit once the chain verifies past it again (the entry restored from a backup).
// The walk starts from the newest signed checkpoint at or below the head the previous passed run
// verified, so a nightly run does not re-walk history; with no such run it walks everything. It stops
// at the first break, so entries after it are not looked at: their findings stay; and a passing walk
// vouches only for the entries it walked, so it remediates only breaks at or after its start.
import type { Knex } from 'knex';
import type { AuditKindHandler } from '../types';

/**
 * The head the last passed run of this kind verified, when its audit entry (in the chain, and
 * after that head, so inside the walk that trusts it) says the same: a hand-made audit_runs row
 * cannot move the start on its own.
 */
export async function lastVerifiedHead(db: Knex): Promise<number | null> {
  const run = await db('audit_runs')
    .where({ kind: 'audit_log_chain', status: 'passed' })
    .orderBy('started_at', 'desc')
    .first('id', 'summary');
  const headSeq = Number(run?.summary?.headSeq);
  if (!run || !Number.isInteger(headSeq) || headSeq < 1) return null;
  const entry = await db('audit_log')
    .where({ action: 'audit.audit_log_chain.passed' })
    .whereRaw(`details->>'runId' = ?`, [String(run.id)])
    .first('seq', 'details');
  if (!entry || Number(entry.details?.headSeq) !== headSeq || Number(entry.seq) <= headSeq) return null;
  return headSeq;
}

export const auditLogChain: AuditKindHandler = {
  dryRun: true,
  async run({ deps, progress }) {
    const since = await lastVerifiedHead(deps.db);
    await progress(10, since === null ? 'Walking the whole audit-log chain' : 'Walking the audit-log chain');
    const result = await deps.audit.verify(since === null ? {} : { from: since });
    if (result.ok)
      return {
        ok: true,
        summary: {
          entries: result.entries,
          head: result.head,
          headSeq: result.headSeq,
          from: result.from,
          fromCheckpoint: result.fromCheckpoint,
        },
        findings: [],
        covers: (key) => Number(key.slice('broken:'.length)) >= result.from,
      };
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

// Hourly: is the active policy bundle one a second person approved? Activation through the CLI,
// SIGHUP or the file watch is break-glass (server/policy-runtime/service.ts): it bypasses
// access.yaml's `policy_activation.second_person`. An active bundle that is not approved is a high
// finding naming it and the last approved one; it is remediated by the audit once the active
// bundle is an approved one again (approved later, or rolled back). The comparison applies once
// the organisation uses second-person activation: the active bundle asks for it, or some bundle was
// ever approved. Before the first approval the bundle installed first counts as approved.
import type { AuditKindHandler } from '../types';
import { activeRow, approvedActivations, firstInstalledBundle } from '../../policy-runtime';
import { paths } from '../../http/paths';

const short = (hash: string) => hash.slice(0, 12);

export const policyChange: AuditKindHandler = {
  dryRun: true,
  async run({ deps }) {
    const db = deps.db;
    const active = await activeRow(db);
    const approved = await approvedActivations(db);
    const secondPerson = deps.policies.current().access.activationSecondPerson;
    if (!active || (!secondPerson && !approved.length))
      return {
        ok: true,
        summary: {
          active: active?.hash ?? null,
          judged: false,
          reason:
            'policy activations need no second person (access.yaml policy_activation.second_person) and none was ever approved',
        },
        findings: [],
        covers: () => true,
      };
    const installed = await firstInstalledBundle(db);
    const baseline = approved[0]?.hash ?? installed?.hash ?? null;
    const isApproved = approved.some((a) => a.hash === active.hash) || (!approved.length && active.hash === baseline);
    const summary = {
      active: active.hash,
      activatedBy: active.activated_by,
      activatedAt: active.activated_at,
      lastApproved: baseline,
      approved: isApproved,
      judged: true,
    };
    if (isApproved) return { ok: true, summary, findings: [], covers: () => true };
    return {
      ok: false,
      summary,
      findings: [
        {
          key: `unapproved:${active.hash}`,
          severity: 'high',
          title: `The active policy bundle ${short(active.hash)} was not approved (last approved: ${baseline ? short(baseline) : 'none'})`,
          detail:
            `Bundle ${active.hash} was activated by ${active.activated_by} on ${active.activated_at.toISOString()} ` +
            `without a second person's approval; the last approved bundle is ${baseline ?? 'none'}. ` +
            `Approve it, or activate an approved bundle again.`,
          evidence: [{ label: `bundle ${short(active.hash)}`, href: paths.policies.index() }],
        },
      ],
      covers: () => true,
    };
  },
};

// Explanations of single decisions, for `lethe policy explain` and the UI's explain panel: the
// decision, the rule (file:line:column) that produced it and that rule's reason.
import { decideAccess } from './access';
import { decideDeletion, decideDeletionForRow, exemptUntil } from './deletion';
import { decideRetention, describeFrom, type RetentionRecord } from './retention';
import type { AccessQuery, DeletionQuery, PolicyBundle, SourceRef } from './types';
import { formatRef } from './yaml-source';

export interface Explanation {
  /** Short machine-readable outcome: allow, deny, delete_row, mask, …, exempt, keep, delete, anonymize, review, held. */
  decision: string;
  /** One sentence for people. */
  summary: string;
  /** The rule, exemption or hold that produced the decision; null for a default (deny, no rule). */
  source: SourceRef | null;
  /** The business or legal reason written beside that rule. */
  reason: string | null;
  details: string[];
}

export function explainAccess(bundle: PolicyBundle, q: AccessQuery): Explanation {
  const d = decideAccess(bundle.access, q);
  const who = `role ${q.principal.role}`;
  if (d.allowed) {
    const r = d.rule;
    return {
      decision: 'allow',
      summary: `${who} may ${q.action} ${q.resource}`,
      source: r.source,
      reason: r.reason,
      details: [`rule grants ${r.role} ${r.actions.join(', ')} on ${r.resource}${r.conditions.length ? ` when ${r.conditions.join(', ')}` : ''}`],
    };
  }
  return {
    decision: 'deny',
    summary: `${who} may not ${q.action} ${q.resource}: ${d.reason}`,
    source: d.rule?.source ?? null,
    reason: d.rule?.reason ?? null,
    details: d.rule ? [`the rule matches but its condition fails`] : ['no rule allows it; access is denied by default'],
  };
}

export function explainDeletion(bundle: PolicyBundle, q: DeletionQuery, row?: { dates: Record<string, Date>; now: Date }): Explanation {
  const raw = decideDeletion(bundle.deletion, q);
  const d = row ? decideDeletionForRow(raw, row.dates, row.now) : raw;
  const subject = `${q.category} in ${q.dataset} under ${q.regulation.toUpperCase()}`;
  if (d.kind === 'none') {
    return { decision: 'keep', summary: `no deletion rule covers ${subject}: the column is kept`, source: null, reason: null, details: [] };
  }
  if (d.kind === 'erase') {
    const details = [`rule for category ${d.rule.category} (${d.rule.regulations === 'all' ? 'all regulations' : d.rule.regulations.join(', ')})`];
    if (raw.kind === 'exempt') details.push(`exemption ${raw.exemption.name} (${raw.exemption.legalBasis}) has lapsed for this row`);
    return {
      decision: d.strategy,
      summary: `${subject}: ${d.strategy}${d.maskValue !== undefined ? ` with ${JSON.stringify(d.maskValue)}` : ''}`,
      source: d.rule.source,
      reason: d.rule.reason,
      details,
    };
  }
  const e = d.exemption;
  const details = [
    d.erase ? `the kept row still gets ${d.erase.strategy}${d.erase.maskValue !== undefined ? ` ${JSON.stringify(d.erase.maskValue)}` : ''} on this column` : 'the column is kept as is',
  ];
  if (e.keepFor) {
    const until = row ? exemptUntil(e, row.dates) : null;
    details.push(`exempt for ${e.keepFor} from ${e.from}${until ? ` (until ${until.toISOString()})` : ''}`);
  }
  if (d.fallback) details.push(`afterwards: ${d.fallback.strategy} (rule at ${formatRef(d.fallback.rule.source)})`);
  return { decision: 'exempt', summary: `${subject}: exempt under ${e.name} (${e.legalBasis})`, source: e.source, reason: e.reason, details };
}

export function explainRetention(bundle: PolicyBundle, record: RetentionRecord): Explanation {
  const d = decideRetention(bundle.retention, record);
  if (d.action === 'held') {
    return {
      decision: 'held',
      summary: `${record.dataset}: held by legal hold ${d.hold.name} (case ${d.hold.caseReference}), ${d.hold.expires ? `expires ${d.hold.expires}` : 'until lifted'}`,
      source: d.hold.source,
      reason: d.hold.reason,
      details: [
        `legal basis: ${Object.entries(d.hold.legalBasis).map(([r, b]) => `${r}: ${b}`).join('; ')}`,
        `without the hold: ${d.then.action}${d.then.rule ? ` (rule ${d.then.rule.name} at ${formatRef(d.then.rule.source)})` : ''}`,
      ],
    };
  }
  const rule = d.rule;
  const details = rule ? [`rule ${rule.name}: keep for ${rule.keepFor} from ${describeFrom(rule)}, then ${rule.action}`] : [];
  if (d.action === 'keep') {
    return {
      decision: 'keep',
      summary: `${record.dataset}: keep ${d.until ? `until ${d.until.toISOString()}` : 'for now'} (${d.reason})`,
      source: rule?.source ?? null,
      reason: rule?.reason ?? null,
      details,
    };
  }
  return {
    decision: d.action,
    summary: `${record.dataset}: ${d.action}, due since ${d.due.toISOString()}`,
    source: d.rule.source,
    reason: d.rule.reason,
    details,
  };
}

export function formatExplanation(e: Explanation): string[] {
  return [
    `decision: ${e.decision}`,
    `  ${e.summary}`,
    ...(e.source ? [`  rule:   ${formatRef(e.source)}`] : []),
    ...(e.reason ? [`  reason: ${e.reason}`] : []),
    ...e.details.map((d) => `  - ${d}`),
  ];
}

// The board packet's content for a meeting: every use case awaiting a decision (submitted or in
// review), with its summary, tier and the rules behind it, assessment highlights and linked evidence.
// Gathered here, drawn by packet-pdf.ts.
import type { Knex } from 'knex';
import { DPIA_FIELDS, FRIA_FIELDS } from './commands';
import { evidenceFor, type Evidence } from './evidence';
import { isoDay, missingAssessments } from './service';
import type { UseCaseRow } from './queries';
import { DUTY_LABEL, ROLE_LABEL, STATUS_LABEL, TIER_LABEL, TRIGGER_LABEL } from './view-model';

export interface PacketItem {
  title: string;
  status: string;
  owner: string;
  purpose: string;
  tier: string;
  role: string;
  rules: { name: string; article: string; reason: string }[];
  duties: string[];
  assessments: { section: string; required: boolean; complete: boolean; highlights: string[] }[];
  evidence: Evidence;
  triggers: string[];
  version: number;
}

export interface Packet {
  meetingOn: string;
  generatedAt: Date;
  bundleHash: string;
  items: PacketItem[];
}

const firstSentence = (s: string | undefined) => (s ?? '').split(/(?<=[.!?])\s/)[0].slice(0, 300);

export async function gatherPacket(
  db: Knex,
  meetingOn: string,
  bundleHash: string,
  generatedAt = new Date(),
): Promise<Packet> {
  const rows: (UseCaseRow & { owner_name: string })[] = await db('use_cases')
    .join('users', 'users.id', 'use_cases.owner_id')
    .whereIn('use_cases.status', ['submitted', 'in_review'])
    .orderByRaw(
      `array_position(array['prohibited','high','limited','minimal'], use_cases.tier), use_cases.submitted_at nulls last, use_cases.title`,
    )
    .select('use_cases.*', 'users.display_name as owner_name');
  const items: PacketItem[] = [];
  for (const r of rows) {
    const missing = missingAssessments(r);
    const requires = r.classification?.requires ?? [];
    const triggers = await db('use_case_triggers').where({ use_case_id: r.id }).orderBy('created_at', 'desc').limit(5);
    items.push({
      title: r.title,
      status: STATUS_LABEL[r.status],
      owner: r.owner_name,
      purpose: r.purpose,
      tier: TIER_LABEL[r.tier ?? 'minimal'].label,
      role: r.role ? ROLE_LABEL[r.role] : 'not stated',
      rules: (r.classification?.rulesFired ?? []).filter((x) => !x.setAside),
      duties: (r.classification?.transparencyDuties ?? []).map((d) => DUTY_LABEL[d] ?? d),
      assessments: [
        {
          section: 'DPIA (GDPR Art. 35)',
          required: requires.includes('dpia'),
          complete: !missing.includes('dpia'),
          highlights: DPIA_FIELDS.map((f) => firstSentence(r.assessment.dpia?.[f])).filter(Boolean),
        },
        {
          section: 'FRIA (AI Act Art. 27)',
          required: requires.includes('fria'),
          complete: !missing.includes('fria'),
          highlights: FRIA_FIELDS.map((f) => firstSentence(r.assessment.fria?.[f])).filter(Boolean),
        },
      ],
      evidence: await evidenceFor(db, r),
      triggers: triggers.map((t) => `${isoDay(t.created_at)}: ${TRIGGER_LABEL[t.kind] ?? t.kind}`),
      version: r.version,
    });
  }
  return { meetingOn, generatedAt, bundleHash, items };
}

// The certificate's section on rows a legal hold keeps, and the supplement's section on those rows
// once erased. Lines only, so whichever PDF kit draws the certificate can print them. Auditors read
// the certificate: it names the hold and its case; the subject's notice (heldNotice) never does.
import type { ErasurePlan, HeldBy, StepResult } from './types';

export interface HeldEntry extends HeldBy {
  system: string;
  table: string;
  rows: number;
}

/** Per held table with rows: how many, under which hold, on what basis, until when. */
export function certificateHeld(plan: ErasurePlan, results: Record<string, StepResult>): HeldEntry[] {
  return plan.steps
    .filter((s) => s.held && (results[s.key]?.rowsHeld ?? 0) > 0)
    .map((s) => ({ system: s.system, table: s.dataset, rows: results[s.key].rowsHeld!, ...s.held! }));
}

export function heldSectionLines(held: readonly HeldEntry[]): { heading: string; lines: string[] } {
  const heading = 'Kept under legal hold (erased when the hold ends)';
  if (!held.length) return { heading, lines: ['None: no legal hold kept data of the subject.'] };
  return {
    heading,
    lines: [
      ...held.map(
        (h) =>
          `${h.system}.${h.table}: ${h.rows} row(s) kept untouched under legal hold ${h.hold} (case ${h.caseReference}), ` +
          `${h.legalBasis}; ${h.expires ? `hold expires ${h.expires}` : 'until the hold is lifted'}${h.via ? `; kept with ${h.via}` : ''}`,
      ),
      'Only the keys of these rows (system, table, primary key) and the hold are kept with the request. When the hold is lifted ' +
        'or expires, exactly these rows are erased as planned above, verified by key, and a supplementary certificate is issued.',
    ],
  };
}

export interface SupplementTable {
  system: string;
  table: string;
  hold: string;
  rows: number;
  rowsDeleted: number;
  rowsUpdated: number;
  /** Other people's rows in the held table whose value naming the subject was erased. */
  mentionsErased?: number;
  /** Rows that by key still need erasing after the follow-up (0 when verified). */
  remaining: number;
}

export function supplementSectionLines(
  firstCertificateSha256: string | null,
  tables: readonly SupplementTable[],
): { heading: string; lines: string[] } {
  return {
    heading: 'Rows erased after the legal hold ended',
    lines: [
      `Supplements the certificate of erasure with SHA-256 ${firstCertificateSha256 ?? '(none issued)'}.`,
      ...tables.map(
        (t) =>
          `${t.system}.${t.table}: ${t.rows} held row(s) under ${t.hold}: ${t.rowsDeleted} deleted, ${t.rowsUpdated} erased in place` +
          `${t.mentionsErased ? `, ${t.mentionsErased} mention(s) in other people's rows erased` : ''}; ` +
          `verified by key: ${t.remaining === 0 ? 'none remains' : `${t.remaining} row(s) still need erasing`}`,
      ),
    ],
  };
}

/** What the subject is told: part of their data is kept, and on what legal basis; never the case. */
export function heldNotice(held: readonly Pick<HeldEntry, 'legalBasis' | 'expires'>[]): string | null {
  if (!held.length) return null;
  const bases = [...new Set(held.map((h) => h.legalBasis))];
  return (
    'We have erased your personal data, except for part of it that we are required to keep for now ' +
    `on the following legal basis: ${bases.join('; ')}. We will erase that part as soon as the obligation to keep it ends, ` +
    'without you having to ask again.'
  );
}

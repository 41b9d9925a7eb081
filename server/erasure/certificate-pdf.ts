// The certificate of erasure: what an auditor checks. It names the request, the dates, what happened
// in every table (rows deleted, erased in place, kept and why), the verification result, and the two
// hashes that tie it to the rest of Lethe: the policy bundle it was decided under and the audit-log
// head at completion. The subject appears only as an HMAC fingerprint (GDPR Art. 5(1)(c): the proof of
// erasure must not itself keep the data). Rendering is deterministic: the same data gives the same
// bytes, so the SHA-256 written to the audit log can be re-derived.
import { createPdf } from '../pdf/kit';
import type { ErasurePlan, StepResult } from './types';
import type { Regulation } from '../policies/types';
import type { VerifyResult } from './verify';
import type { ArtefactReport } from './artefacts';
import { heldSectionLines, supplementSectionLines, type HeldEntry, type SupplementTable } from './certificate-held';

export interface CertificateTable {
  system: string;
  table: string;
  rowsDeleted: number;
  rowsUpdated: number;
  rowsKept: number;
  mentionsErased: number;
  strategy: string;
}

export interface CertificateData {
  requestId: string;
  regulation: Regulation;
  receivedAt: Date;
  dueAt: Date;
  completedAt: Date;
  subjectFingerprint: string;
  tables: CertificateTable[];
  exemptions: { system: string; table: string; exemption: string; legalBasis: string; rows: number }[];
  verification: Pick<VerifyResult, 'clean' | 'remaining' | 'scanned'> & { warnings?: VerifyResult['warnings'] };
  artefacts?: Pick<ArtefactReport, 'taintedSnapshots' | 'retrainModels'>;
  /** Training snapshot versions built without the subject (consent filter: withdrawn, objected, no basis). */
  excludedFrom?: { dataset: string; version: number; builtAt: Date }[];
  bundleHash: string;
  auditHead: string;
  issuer?: string;
  /** Rows a legal hold keeps for now (certificate-held.ts). */
  held?: HeldEntry[];
  /** A supplementary certificate: the held rows erased after their hold ended. */
  supplement?: { firstSha256: string | null; tables: SupplementTable[] };
}

const REG_NAME: Record<Regulation, string> = {
  gdpr: 'GDPR (EU) 2016/679, Art. 17',
  ccpa: 'CCPA, Cal. Civ. Code §1798.105',
  lgpd: 'LGPD Lei 13.709/2018, Art. 18(VI)',
};

/** Per table: what the plan did and what the step counted, for the certificate. */
export function certificateTables(plan: ErasurePlan, results: Record<string, StepResult>): CertificateTable[] {
  return plan.steps.map((s) => {
    const r = results[s.key];
    const inPlace = s.columns
      .filter((c) => c.erase && c.erase.strategy !== 'delete_row')
      .map((c) => `${c.column}: ${c.erase!.strategy}`);
    const inKept = s.columns.filter((c) => c.exempt?.erase).map((c) => `${c.column}: ${c.exempt!.erase!.strategy}`);
    const base =
      s.rowAction === 'delete'
        ? 'rows deleted'
        : s.rowAction === 'update'
          ? `erased in place (${inPlace.join(', ')})`
          : 'mentions only';
    const asked = inKept.length && r?.rowsKept ? `${base}; in kept rows ${inKept.join(', ')}` : base;
    // Where the database could not hold what the policy asked (a token in a foreign key…), the
    // step's notes say what was done instead: the certificate states what really happened.
    const adapted = (r?.notes ?? []).filter((n) => n.includes('→')).map((n) => n.replace(`${s.key}.`, ''));
    const strategy = adapted.length ? `${asked}; adapted: ${adapted.join('; ')}` : asked;
    return {
      system: s.system,
      table: s.dataset,
      rowsDeleted: r?.rowsDeleted ?? 0,
      rowsUpdated: r?.rowsUpdated ?? 0,
      rowsKept: r?.rowsKept ?? 0,
      mentionsErased: r?.mentionsErased ?? 0,
      strategy,
    };
  });
}

export function certificateExemptions(
  plan: ErasurePlan,
  results: Record<string, StepResult>,
): CertificateData['exemptions'] {
  return plan.steps.flatMap((s) =>
    (results[s.key]?.exemptions ?? []).map((e) => ({ system: s.system, table: s.dataset, ...e })),
  );
}

/**
 * The certificate's statement of what verification scanned: systems, tables, columns and number of
 * values, then one line per table naming its columns (never a value), and any hit in a column the
 * map does not describe. Self-contained so another layout (a shared report kit) can reuse it.
 */
export function scanLines(v: Pick<VerifyResult, 'scanned'> & { warnings?: VerifyResult['warnings'] }): string[] {
  const s = v.scanned;
  const lines = [
    `Independent scan of ${s.systems ?? 0} system(s), ${s.tables} tables and ${s.columns} mapped columns for ${s.values ?? 0} identity value(s) of the subject ` +
      `(recorded before the first step, not only those discovery found)${s.unmappedColumns ? `, plus a sample of ${s.unmappedColumns} unmapped text column(s) for their emails and phone numbers` : ''}.`,
  ];
  for (const l of s.lines ?? [])
    lines.push(
      `  scanned ${l.system}.${l.table}: ${l.columns.join(', ') || '(no identity or personal columns)'}${l.unmapped.length ? `; unmapped sampled: ${l.unmapped.join(', ')}` : ''}`,
    );
  for (const w of v.warnings ?? [])
    lines.push(
      `  warning: found in a column the data map does not describe: ${w.system}.${w.table}.${w.column} (${w.rows} row(s))`,
    );
  return lines;
}

export function renderCertificate(data: CertificateData): Promise<Buffer> {
  // Drawn with the report kit (server/pdf): embedded Unicode font, "page X of Y", tagged.
  const title = `${data.supplement ? 'Supplementary certificate' : 'Certificate'} of erasure ${data.requestId}`;
  const kit = createPdf({
    title,
    author: data.issuer ?? 'Lethe',
    subject: `Erasure request ${data.requestId}`,
    createdAt: data.completedAt,
    footer: `Lethe ${title.charAt(0).toLowerCase()}${title.slice(1)}`,
  });
  const doc = kit.raw;
  const text = (s: string, opts: PDFKit.Mixins.TextOptions = {}) => doc.text(s, opts);
  const heading = (s: string) => {
    kit.heading(s);
    doc.font('condensed').fontSize(9.5).fillColor('black');
  };

  doc.font('bold').fontSize(18);
  text(data.supplement ? 'Supplementary certificate of erasure' : 'Certificate of erasure');
  doc.font('condensed').fontSize(10).moveDown(0.3);
  text(`Request ID: ${data.requestId}`);
  text(`Regulation: ${REG_NAME[data.regulation]}`);
  text(`Received: ${day(data.receivedAt)}    Due: ${day(data.dueAt)}    Completed: ${day(data.completedAt)}`);
  text(`Data subject (HMAC-SHA256 fingerprint): ${data.subjectFingerprint}`);

  heading('Verification');
  const v = data.verification;
  text(
    `Verification result: ${v.clean ? 'PASSED' : 'FAILED'}: ${v.clean ? `no identifier of the subject remains outside exempted rows${data.held?.length ? ' and rows under legal hold' : ''}` : `${v.remaining.length} column(s) still hold the subject's identifiers`}`,
  );
  for (const line of scanLines(v)) text(line);
  for (const r of v.remaining) text(`  remaining: ${r.system}.${r.table}.${r.column}: ${r.rows} row(s)`);

  const section = (sec: { heading: string; lines: string[] }) => {
    heading(sec.heading);
    for (const l of sec.lines) text(l);
  };
  if (data.supplement) section(supplementSectionLines(data.supplement.firstSha256, data.supplement.tables));

  heading('What was done, per system and table');
  for (const t of data.tables) {
    const counts = [
      `${t.rowsDeleted} deleted`,
      `${t.rowsUpdated} erased in place`,
      `${t.rowsKept} kept`,
      ...(t.mentionsErased ? [`${t.mentionsErased} mention(s) erased`] : []),
    ];
    text(`${t.system}.${t.table}: ${counts.join(', ')}; ${t.strategy}`);
  }

  heading('Exemptions (data kept, with legal basis)');
  if (!data.exemptions.length) text('None: no data of the subject was kept.');
  for (const e of data.exemptions)
    text(`${e.system}.${e.table}: ${e.rows} row(s) kept under ${e.exemption}, ${e.legalBasis}`);

  if (data.held) section(heldSectionLines(data.held));

  if (data.artefacts && (data.artefacts.taintedSnapshots.length || data.artefacts.retrainModels.length)) {
    heading('AI artefacts');
    for (const s of data.artefacts.taintedSnapshots)
      text(`Training snapshot ${s}: subject removed, snapshot marked tainted`);
    for (const m of data.artefacts.retrainModels)
      text(`Model ${m.model}: retraining required (trained on ${m.snapshots.join(', ')})`);
  }

  if (data.excludedFrom?.length) {
    heading('Training snapshots built without the subject');
    for (const e of data.excludedFrom)
      text(
        `Training snapshot ${e.dataset} version ${e.version} (built ${day(e.builtAt)}): subject excluded by the consent filter`,
      );
  }

  heading('Integrity');
  text(`Policy bundle SHA-256: ${data.bundleHash}`);
  text(`Audit-log head at completion: ${data.auditHead}`);
  doc.moveDown(1).fontSize(8).fillColor('#444444');
  text(
    'The SHA-256 of this document is recorded in the audit log. The identity the request named has been destroyed; ' +
      'only the fingerprint above remains, so a person can be matched to this certificate only by someone holding the key.',
  );
  return kit.finish();
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

// The certificate of erasure: what an auditor checks. It names the request, the dates, what happened
// in every table (rows deleted, erased in place, kept and why), the verification result, and the two
// hashes that tie it to the rest of Lethe: the policy bundle it was decided under and the audit-log
// head at completion. The subject appears only as an HMAC fingerprint (GDPR Art. 5(1)(c): the proof of
// erasure must not itself keep the data). Rendering is deterministic: the same data gives the same
// bytes, so the SHA-256 written to the audit log can be re-derived.
import PDFDocument from 'pdfkit';
import type { ErasurePlan, StepResult } from './types';
import type { Regulation } from '../policies/types';
import type { VerifyResult } from './verify';
import type { ArtefactReport } from './artefacts';

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
  verification: Pick<VerifyResult, 'clean' | 'remaining' | 'scanned'>;
  artefacts?: Pick<ArtefactReport, 'taintedSnapshots' | 'retrainModels'>;
  bundleHash: string;
  auditHead: string;
  issuer?: string;
}

const REG_NAME: Record<Regulation, string> = { gdpr: 'GDPR (EU) 2016/679, Art. 17', ccpa: 'CCPA, Cal. Civ. Code §1798.105', lgpd: 'LGPD Lei 13.709/2018, Art. 18(VI)' };

/** Per table: what the plan did and what the step counted, for the certificate. */
export function certificateTables(plan: ErasurePlan, results: Record<string, StepResult>): CertificateTable[] {
  return plan.steps.map((s) => {
    const r = results[s.key];
    const inPlace = s.columns.filter((c) => c.erase && c.erase.strategy !== 'delete_row').map((c) => `${c.column}: ${c.erase!.strategy}`);
    const inKept = s.columns.filter((c) => c.exempt?.erase).map((c) => `${c.column}: ${c.exempt!.erase!.strategy}`);
    const base = s.rowAction === 'delete' ? 'rows deleted' : s.rowAction === 'update' ? `erased in place (${inPlace.join(', ')})` : 'mentions only';
    const asked = inKept.length && r?.rowsKept ? `${base}; in kept rows ${inKept.join(', ')}` : base;
    // Where the database could not hold what the policy asked (a token in a foreign key…), the
    // step's notes say what was done instead: the certificate states what really happened.
    const adapted = (r?.notes ?? []).filter((n) => n.includes('→')).map((n) => n.replace(`${s.key}.`, ''));
    const strategy = adapted.length ? `${asked}; adapted: ${adapted.join('; ')}` : asked;
    return { system: s.system, table: s.dataset, rowsDeleted: r?.rowsDeleted ?? 0, rowsUpdated: r?.rowsUpdated ?? 0, rowsKept: r?.rowsKept ?? 0, mentionsErased: r?.mentionsErased ?? 0, strategy };
  });
}

export function certificateExemptions(plan: ErasurePlan, results: Record<string, StepResult>): CertificateData['exemptions'] {
  return plan.steps.flatMap((s) => (results[s.key]?.exemptions ?? []).map((e) => ({ system: s.system, table: s.dataset, ...e })));
}

export function renderCertificate(data: CertificateData): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Certificate of erasure ${data.requestId}`, Author: data.issuer ?? 'Lethe', CreationDate: data.completedAt, ModDate: data.completedAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const text = (s: string, opts: PDFKit.Mixins.TextOptions = {}) => doc.text(ascii(s), opts);
  const heading = (s: string) => {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12);
    text(s);
    doc.font('Helvetica').fontSize(9.5).moveDown(0.2);
  };

  doc.font('Helvetica-Bold').fontSize(18);
  text('Certificate of erasure');
  doc.font('Helvetica').fontSize(10).moveDown(0.3);
  text(`Request ID: ${data.requestId}`);
  text(`Regulation: ${REG_NAME[data.regulation]}`);
  text(`Received: ${day(data.receivedAt)}    Due: ${day(data.dueAt)}    Completed: ${day(data.completedAt)}`);
  text(`Data subject (HMAC-SHA256 fingerprint): ${data.subjectFingerprint}`);

  heading('Verification');
  const v = data.verification;
  text(`Verification result: ${v.clean ? 'PASSED' : 'FAILED'}: ${v.clean ? 'no identifier of the subject remains outside exempted rows' : `${v.remaining.length} column(s) still hold the subject's identifiers`}`);
  text(`Independent scan of ${v.scanned.tables} tables and ${v.scanned.columns} columns across every registered system.`);
  for (const r of v.remaining) text(`  remaining: ${r.system}.${r.table}.${r.column}: ${r.rows} row(s)`);

  heading('What was done, per system and table');
  for (const t of data.tables) {
    const counts = [`${t.rowsDeleted} deleted`, `${t.rowsUpdated} erased in place`, `${t.rowsKept} kept`, ...(t.mentionsErased ? [`${t.mentionsErased} mention(s) erased`] : [])];
    text(`${t.system}.${t.table}: ${counts.join(', ')}; ${t.strategy}`);
  }

  heading('Exemptions (data kept, with legal basis)');
  if (!data.exemptions.length) text('None: no data of the subject was kept.');
  for (const e of data.exemptions) text(`${e.system}.${e.table}: ${e.rows} row(s) kept under ${e.exemption}, ${e.legalBasis}`);

  if (data.artefacts && (data.artefacts.taintedSnapshots.length || data.artefacts.retrainModels.length)) {
    heading('AI artefacts');
    for (const s of data.artefacts.taintedSnapshots) text(`Training snapshot ${s}: subject removed, snapshot marked tainted`);
    for (const m of data.artefacts.retrainModels) text(`Model ${m.model}: retraining required (trained on ${m.snapshots.join(', ')})`);
  }

  heading('Integrity');
  text(`Policy bundle SHA-256: ${data.bundleHash}`);
  text(`Audit-log head at completion: ${data.auditHead}`);
  doc.moveDown(1).fontSize(8).fillColor('#444444');
  text(
    'The SHA-256 of this document is recorded in the audit log. The identity the request named has been destroyed; ' +
      'only the fingerprint above remains, so a person can be matched to this certificate only by someone holding the key.',
  );
  doc.end();
  return done;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The standard PDF fonts speak WinAnsi only: arrows and curly quotes become their ASCII look-alikes. */
function ascii(s: string): string {
  return s.replace(/→/g, '->').replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/—/g, '-').replace(/[^\x20-\x7e\u00a0-\u00ff§]/g, '?');
}

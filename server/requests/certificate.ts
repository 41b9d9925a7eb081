// Issues the certificate of erasure: rendered once, stored with its SHA-256, and the hash
// written to the audit log so an auditor can check the PDF they hold is the one issued.
import { sha256Hex } from '../crypto';
import type { Deps } from '../deps';
import type { ErasurePlan } from '../erasure/types';
import type { ErasureOutcome } from '../erasure/execute';
import type { VerifyResult } from '../erasure/verify';
import { certificateExemptions, certificateTables, renderCertificate } from '../erasure/certificate-pdf';
import type { HeldEntry } from '../erasure/certificate-held';
import { artefact, type RequestRow } from './queries';
import type { ExcludedFrom } from '../training';

export async function issueCertificate(
  deps: Deps,
  row: RequestRow,
  plan: ErasurePlan,
  outcome: ErasureOutcome,
  verification: VerifyResult,
  bundleHash: string,
  held: HeldEntry[] = [],
  excludedFrom: ExcludedFrom[] = [],
) {
  const existing = await artefact(deps.db, row.id, 'certificate');
  if (existing) return { sha256: existing.sha256 as string };
  const head = await deps.audit.head();
  const bytes = await renderCertificate({
    requestId: row.id,
    regulation: row.regulation,
    receivedAt: row.received_at,
    dueAt: row.due_at,
    completedAt: new Date(),
    subjectFingerprint: row.identity_index,
    tables: certificateTables(plan, outcome.results),
    exemptions: certificateExemptions(plan, outcome.results),
    verification,
    artefacts: outcome.artefacts,
    held,
    excludedFrom: excludedFrom.map((e) => ({ dataset: e.dataset, version: e.version, builtAt: e.builtAt })),
    bundleHash,
    auditHead: head?.hash ?? '',
    issuer: 'Lethe',
  });
  const sha256 = sha256Hex(bytes);
  await deps.db.transaction(async (trx) => {
    const inserted = await trx('request_artefacts')
      .insert({
        request_id: row.id,
        kind: 'certificate',
        content_type: 'application/pdf',
        filename: `certificate-${row.id}.pdf`,
        bytes,
        sha256,
        // verify-log checks the chain still reaches this head: cutting the log below it shows.
        audit_head_seq: head?.seq ?? null,
        audit_head_hash: head?.hash ?? null,
      })
      .onConflict(['request_id', 'kind'])
      .ignore()
      .returning('sha256');
    if (inserted.length) {
      await deps.audit.append(
        {
          actor: 'system:worker',
          action: 'request.certificate',
          target: `request:${row.id}`,
          details: { sha256, auditHead: head?.hash ?? null, auditHeadSeq: head?.seq ?? null },
        },
        trx,
      );
      await deps.audit.recordCheckpoint(`certificate:${row.id}`, trx);
    }
  });
  return { sha256 };
}

// Where Lethe's outputs may hold a data subject's personal data: the allow-list of the artefact
// scan, one rule per row of the "Outputs that may hold personal data" table in docs/decisions.md.
// Everything else Lethe writes (pages, PDFs, stored results, job payloads, logs, the audit log) must
// hold none: a planted value found there fails the scan with where it was found.
import type { AllowRule, Artefact, Needle } from './collect';

/** The access package of `requestId`, for the subject it was made for (`subject`). */
export function accessPackage(requestId: string, subject: string, erased: readonly string[]): AllowRule[] {
  // The subject's own rows, verbatim: they may quote other people (an address they forwarded
  // something to); never a subject whose erasure completed (their values are gone at the source).
  const ok = (n: Needle) => n.subject === subject || (n.subject.startsWith('customer:') && !erased.includes(n.subject));
  // (The stored copy in request_artefacts is encrypted: its bytes hold no plaintext and need no rule.)
  return [
    {
      reason: 'the access package as downloaded by the officer handling the request',
      allows: (a: Artefact, n: Needle) =>
        a.kind === 'http' && a.where.startsWith(`http:GET /api/v1/requests/${requestId}/export`) && ok(n),
    },
  ];
}

// Pure renderers: a data model (and the row streams of its appendices) in, PDF bytes out, drawn
// with the one kit. Every figure names the query period it comes from.
import { createPdf, type PdfKit } from '../pdf/kit';
import type { AuditLogData, AuditRunData, Period, QuarterlyData, Row } from './gather';

export const KIND_TITLES = {
  quarterly: 'Quarterly compliance report',
  audit_run: 'Audit-run report',
  audit_log: 'Audit-log extract',
} as const;
export type ReportKind = keyof typeof KIND_TITLES;

/** What every report states about itself: ties it to the policies and the audit log. */
export interface ReportHeader {
  id: string;
  kind: ReportKind;
  generatedAt: Date;
  period: Period | null;
  bundleHash: string;
  auditHead: { seq: number; hash: string } | null;
}

const n = (v: number) => v.toLocaleString('en');
const days = (v: number | null) => (v === null ? 'n/a (none closed)' : `${v.toFixed(1)} days`);
const periodText = (p: Period) => `${p.from} to ${p.to} (inclusive, UTC)`;

const footer = (h: ReportHeader) => `Lethe ${KIND_TITLES[h.kind].toLowerCase()} ${h.id}`;

function open(h: ReportHeader, subtitle: string): PdfKit {
  const title = KIND_TITLES[h.kind];
  const doc = createPdf({
    title: `${title}${h.period ? ` ${h.period.from} – ${h.period.to}` : ''}`,
    subject: `Lethe report ${h.id}`,
    keywords: `lethe, ${h.kind}, ${h.id}`,
    createdAt: h.generatedAt,
    footer: footer(h),
  });
  doc.cover({
    title,
    subtitle,
    facts: [
      ['Report id', h.id],
      ['Period', h.period ? periodText(h.period) : 'n/a'],
      ['Generated at', h.generatedAt.toISOString()],
      ['Policy bundle SHA-256', h.bundleHash],
      ['Audit-log head at build', h.auditHead ? `entry ${h.auditHead.seq}` : 'empty log'],
      ['Audit-log head hash', h.auditHead?.hash ?? 'n/a'],
    ],
    note:
      'The SHA-256 of this file is recorded in the audit log. An Ed25519 signature over the report id, kind, period, ' +
      'the hashes above and the SHA-256 of the document follows the end of the PDF: check it with `lethe report verify FILE.pdf` ' +
      'or on the /verify page. The public keys are published at /.well-known/lethe-report-key.',
  });
  return doc;
}

export async function renderQuarterly(
  h: ReportHeader,
  d: QuarterlyData,
  requests: AsyncIterable<Row>,
): Promise<Buffer> {
  const doc = open(h, 'Data-subject requests, erasures, re-identification tests, policies and audits');
  const src = (what: string) =>
    doc.paragraph(`Source: ${what}, ${periodText(d.period)}.`, { color: '#555555', size: 8 });

  doc.heading('Key figures');
  doc.facts([
    ['Requests received', n(d.requests.total)],
    ['Requests closed', n(d.closing.closed)],
    ['Median time to close', days(d.closing.medianDays)],
    ['95th percentile time to close', days(d.closing.p95Days)],
    ['Deadlines falling in the period', n(d.deadlines.due)],
    ['Deadline breaches', n(d.deadlines.breaches)],
    ['Extensions granted', n(d.deadlines.extensions)],
    ['Re-identification tests', `${n(d.reid.runs)} (${n(d.reid.passed)} passed, ${n(d.reid.failed)} failed)`],
    ['Policy bundle changes', n(d.bundles.length)],
    [
      'Audit runs',
      `${n(d.audits.reduce((s, a) => s + a.runs, 0))} (${n(d.audits.reduce((s, a) => s + a.failed, 0))} with findings)`,
    ],
  ]);

  doc.heading('Requests');
  doc.heading('By type and regulation', 2);
  await doc.table({
    columns: [
      { header: 'Type', width: 160 },
      { header: 'Regulation', width: 160 },
      { header: 'Received', width: 100, align: 'right' },
    ],
    rows: d.requests.byTypeAndRegulation.map((r) => [r.type, r.regulation.toUpperCase(), n(r.count)]),
    empty: 'No request was received in the period.',
  });
  src('requests with received_at in the period');
  if (d.requests.byMonth.length) {
    doc.barChart({
      title: 'Requests received per month',
      labels: d.requests.byMonth.map((m) => m.month),
      series: [
        { name: 'erasure', values: d.requests.byMonth.map((m) => m.erasure) },
        { name: 'access', values: d.requests.byMonth.map((m) => m.access) },
      ],
    });
  }
  doc.heading('Time to close and deadlines', 2);
  doc.facts([
    ['Closed in the period', n(d.closing.closed)],
    ['Median', days(d.closing.medianDays)],
    ['95th percentile', days(d.closing.p95Days)],
  ]);
  src('requests with completed_at in the period (time from received_at to completed_at)');
  doc.facts([
    ['Due in the period', n(d.deadlines.due)],
    ['Breached (closed after the due date, or still open past it)', n(d.deadlines.breaches)],
    ['Extensions granted', n(d.deadlines.extensions)],
  ]);
  src('requests with due_at in the period; extensions with extended_at in the period');

  doc.heading('Erasures by system');
  await doc.table({
    columns: [
      { header: 'System', width: 180 },
      { header: 'Requests', width: 100, align: 'right' },
      { header: 'Rows erased', width: 110, align: 'right' },
      { header: 'Rows kept (exempt)', width: 110, align: 'right' },
    ],
    rows: d.erasuresBySystem.map((s) => [s.system, n(s.requests), n(s.rowsErased), n(s.rowsKept)]),
    empty: 'No erasure was completed in the period.',
  });
  src('completed steps of erasure requests with completed_at in the period');

  doc.heading('Re-identification tests');
  doc.facts([
    ['Tests finished', n(d.reid.runs)],
    ['Passed', n(d.reid.passed)],
    ['Failed', n(d.reid.failed)],
  ]);
  if (d.reid.byMonth.length) {
    doc.lineChart({
      title: 'Re-identification results per month',
      labels: d.reid.byMonth.map((m) => m.month),
      series: [
        { name: 'passed', values: d.reid.byMonth.map((m) => m.passed) },
        { name: 'failed', values: d.reid.byMonth.map((m) => m.failed) },
      ],
    });
  }
  src('re-identification runs with finished_at in the period');

  doc.heading('Policy bundle changes');
  await doc.table({
    columns: [
      { header: 'Activated at', width: 120 },
      { header: 'Bundle SHA-256', width: 200 },
      { header: 'Replaced', width: 200 },
    ],
    rows: d.bundles.map((b) => [b.at.replace('T', ' ').slice(0, 19), b.hash, b.previousHash || '(none)']),
    empty: 'The policy bundle did not change in the period.',
  });
  src('audit-log entries policy.bundle.activated in the period');

  doc.heading('Audit runs and findings');
  await doc.table({
    columns: [
      { header: 'Audit', width: 200 },
      { header: 'Runs', width: 80, align: 'right' },
      { header: 'Passed', width: 80, align: 'right' },
      { header: 'Findings', width: 80, align: 'right' },
    ],
    rows: d.audits.map((a) => [a.kind, n(a.runs), n(a.passed), n(a.failed)]),
    empty: 'No audit ran in the period.',
  });
  for (const f of d.findings) doc.bullet(`${f.at.slice(0, 10)} ${f.kind} (entry ${f.seq}): ${f.summary}`);
  src('audit-log entries audit.<kind>.passed|failed in the period');

  if (d.useCases) {
    doc.heading('AI use-case decisions');
    await doc.table({
      columns: [
        { header: 'Decision', width: 200 },
        { header: 'Use cases', width: 100, align: 'right' },
      ],
      rows: d.useCases.map((u) => [u.status, n(u.count)]),
      empty: 'No use case was decided in the period.',
    });
    src('use cases decided in the period');
  }

  doc.heading('Appendix: requests received');
  await doc.table({
    columns: [
      { header: 'Request', width: 55 },
      { header: 'Type', width: 45 },
      { header: 'Reg.', width: 35 },
      { header: 'Status', width: 75 },
      { header: 'Received', width: 58 },
      { header: 'Due', width: 58 },
      { header: 'Closed', width: 58 },
      { header: 'Days', width: 35, align: 'right' },
      { header: 'Ext.', width: 25 },
      { header: 'Late', width: 30 },
    ],
    rows: requests,
    empty: 'None.',
  });
  return doc.finish();
}

export async function renderAuditLog(h: ReportHeader, d: AuditLogData, entries: AsyncIterable<Row>): Promise<Buffer> {
  const doc = open(h, 'The entries of the period, with the verification of the hash chain they belong to');
  const v = d.verification;
  doc.heading('Chain verification');
  doc.verdict(v.ok ? 'Chain intact' : 'Chain broken', v.ok);
  doc.facts(
    v.ok
      ? [
          ['Entries verified (whole log)', n(v.entries)],
          ['Head', v.head],
          ['Signed checkpoints checked', n(v.checkpoints)],
          ['Certificate heads checked', n(v.certificates)],
        ]
      : [
          ['Entries verified before the break', n(v.entries)],
          ['Broken at entry', n(v.brokenSeq)],
          ['Reason', v.reason],
        ],
  );
  doc.heading('Entries in the period');
  doc.facts([
    ['Entries', n(d.entries)],
    ['First entry', d.firstSeq === null ? 'none' : n(d.firstSeq)],
    ['Last entry', d.lastSeq === null ? 'none' : n(d.lastSeq)],
  ]);
  doc.paragraph(`Source: audit_log entries with at in ${periodText(d.period)}.`, { color: '#555555', size: 8 });
  await doc.table({
    columns: [
      { header: 'Action', width: 300 },
      { header: 'Entries', width: 100, align: 'right' },
    ],
    rows: d.byAction.map((a) => [a.action, n(a.count)]),
    empty: 'No entry in the period.',
  });
  doc.heading('Entries');
  await doc.table({
    columns: [
      { header: 'Seq', width: 40, align: 'right' },
      { header: 'At (UTC)', width: 96 },
      { header: 'Actor', width: 80 },
      { header: 'Action', width: 104 },
      { header: 'Target', width: 90 },
      { header: 'Hash', width: 85 },
    ],
    rows: entries,
    empty: 'None.',
  });
  return doc.finish();
}

export async function renderAuditRun(h: ReportHeader, d: AuditRunData): Promise<Buffer> {
  const doc = open(h, `What the scheduled audit "${d.kind}" checked and what it found`);
  doc.heading('Result');
  doc.verdict(d.passed ? 'Passed: nothing found' : 'Failed: findings below', d.passed);
  doc.facts([
    ['Audit', d.kind],
    ['Schedule', d.schedule],
    ['Ran at', d.at],
    ['Job id', d.jobId ?? 'n/a'],
    ['Recorded as audit-log entry', n(d.seq)],
    ['Entry hash', d.entryHash],
    ['Under policy bundle', d.bundleHash],
  ]);
  doc.heading('Evidence');
  doc.paragraph('What the audit recorded, field by field, from its audit-log entry:', { color: '#555555' });
  await doc.table({
    columns: [
      { header: 'Field', width: 180 },
      { header: 'Value', width: 315 },
    ],
    rows: d.evidence,
    empty: 'The audit recorded no detail.',
  });
  doc.heading('Earlier runs of this audit');
  await doc.table({
    columns: [
      { header: 'Entry', width: 80, align: 'right' },
      { header: 'Ran at', width: 180 },
      { header: 'Result', width: 120 },
    ],
    rows: d.history.map((r) => [n(r.seq), r.at, r.passed ? 'passed' : 'failed']),
  });
  if (d.history.length > 1) {
    doc.barChart({
      title: 'Results of the last runs (1 = passed)',
      labels: d.history.map((r) => r.at.slice(5, 10)),
      series: [
        { name: 'passed', values: d.history.map((r) => (r.passed ? 1 : 0)) },
        { name: 'failed', values: d.history.map((r) => (r.passed ? 0 : 1)) },
      ],
    });
  }
  return doc.finish();
}

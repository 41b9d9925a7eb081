// The PDF a data steward downloads for a run: verdict first, then what failed and why, the
// figures, the classes to generalise and the (masked) identifiers found. The creation date is the
// run's analysis time, so rendering the same run twice gives the same bytes (reports are hashed).
import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import { DETECTOR_LABELS, percent, recordCount } from './thresholds';
import type { ReidRun } from './types';

// A Unicode TrueType font where the system has one (QI values are often non-ASCII); the standard
// PDF fonts only cover Latin-1.
const UNICODE_FONTS = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans.ttf'];
const UNICODE_BOLD = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'];

const GREEN = '#1d7044';
const RED = '#b3261e';
const GREY = '#555555';

export async function renderReidReport(run: ReidRun): Promise<Buffer> {
  const o = run.outcome;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: {
      Title: `Re-identification test: ${run.dataset}`,
      Author: 'Lethe',
      Subject: o.passed ? 'PASSED' : 'FAILED',
      CreationDate: new Date(run.analysedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const regular = UNICODE_FONTS.find((f) => fs.existsSync(f));
  const bold = UNICODE_BOLD.find((f) => fs.existsSync(f));
  if (regular) doc.registerFont('body', regular);
  if (bold) doc.registerFont('bold', bold);
  const body = () => doc.font(regular ? 'body' : 'Helvetica');
  const strong = () => doc.font(bold ? 'bold' : 'Helvetica-Bold');
  const num = (n: number) => n.toLocaleString('en');
  const share = (n: number) => String(Number(n.toPrecision(4)));

  const heading = (text: string) => {
    ensureSpace(doc, 60);
    doc.moveDown(0.8);
    strong().fontSize(13).fillColor('black').text(text);
    doc.moveDown(0.3);
    body().fontSize(10);
  };
  const pairs = (rows: [string, string][]) => {
    for (const [label, value] of rows) {
      ensureSpace(doc, 16);
      const y = doc.y;
      body().fontSize(10).fillColor(GREY).text(label, 50, y, { width: 200 });
      doc.fillColor('black').text(value, 260, y, { width: 285 });
      doc.x = 50;
    }
  };

  strong().fontSize(18).text('Re-identification test report');
  body().fontSize(10).fillColor(GREY).text('Lethe: how identifiable a dataset is before it is released or used for training.');
  doc.moveDown(0.6);
  pairs([
    ['Dataset', `${run.dataset} (${run.source === 'csv' ? 'CSV file' : 'Postgres table'})`],
    ['Analysed at', `${run.analysedAt} (${num(run.durationMs)} ms)`],
    ['Release kind', o.policy.kind],
    ['Thresholds from', o.policy.thresholds.source],
    ['Policy bundle', o.policy.bundleHash ?? 'none (built-in defaults)'],
    ['Quasi-identifiers', o.quasiIdentifiers.join(', ')],
    ['Sensitive attributes', o.sensitiveAttributes.join(', ') || '(none)'],
  ]);

  doc.moveDown(0.8);
  strong().fontSize(16).fillColor(o.passed ? GREEN : RED).text(o.passed ? 'PASSED' : 'FAILED');
  body().fontSize(10).fillColor('black');
  if (o.passed) doc.text('The dataset meets every threshold of the policy.');
  else for (const v of o.violations) bullet(doc, v.message);

  heading('Thresholds');
  const t = o.policy.thresholds;
  pairs([
    ['k-anonymity at least', String(t.k)],
    ['Highest prosecutor risk at most', percent(t.maxProsecutorRisk)],
    ['Records at risk (1/f > t) at most', `${percent(t.maxRecordsAtRisk)} (t = ${t.riskThreshold})`],
    ['l-diversity at least', t.l === undefined ? 'not required' : String(t.l)],
    ['t-closeness at most', t.t === undefined ? 'not required' : String(t.t)],
    ['Direct identifiers', t.zeroLeakedIdentifiers ? 'none allowed' : 'allowed'],
  ]);

  heading('Risk figures');
  const rows: [string, string][] = [
    ['Records / equivalence classes', `${num(o.records)} / ${num(o.equivalenceClasses)}`],
    ['Class size min / average / max', `${num(o.minClassSize)} / ${share(o.averageClassSize)} / ${num(o.maxClassSize)}`],
    ['Sample uniques', `${num(o.sampleUniques)} (${percent(o.sampleUniqueness)})`],
    ...Object.entries(o.recordsBelowK).map(([k, n]): [string, string] => [`Records in classes smaller than ${k}`, num(n)]),
    ['Prosecutor risk: highest / average', `${percent(o.prosecutor.highest)} / ${percent(o.prosecutor.average)}`],
    [`Prosecutor: records at risk (t = ${o.prosecutor.riskThreshold})`, percent(o.prosecutor.recordsAtRisk)],
  ];
  if (o.journalist) {
    rows.push(['Journalist risk: highest', `${percent(o.journalist.highest)} (population ${num(o.journalist.populationRecords)})`]);
    rows.push([`Journalist: records at risk (t = ${o.journalist.riskThreshold})`, percent(o.journalist.recordsAtRisk)]);
  }
  if (o.marketer) rows.push(['Marketer risk', percent(o.marketer.risk)]);
  if (o.linkage) {
    rows.push([`Linkage on ${o.linkage.on.join(', ')}`, `${percent(o.linkage.share)} of ${num(o.linkage.auxiliaryRecords)} auxiliary records match exactly one record`]);
  }
  pairs(rows);

  if (o.sensitiveAttributes.length > 0) {
    heading('Sensitive attributes');
    for (const [name, s] of Object.entries(o.sensitive)) {
      pairs([
        [name, `distinct l ${s.distinctL}, entropy l ${share(s.entropyL)}`],
        ['', `t-closeness ${share(s.tCloseness)} (equal)${s.orderedTCloseness === null ? '' : `, ${share(s.orderedTCloseness)} (ordered)`}`],
        ['', Object.entries(s.recordsBelowL).map(([l, n]) => `${recordCount(n)} in classes with fewer than ${l} values`).join('; ')],
      ]);
    }
  }

  heading('Riskiest equivalence classes');
  body().fillColor(GREY).text('The smallest classes: generalise or suppress these values first.');
  doc.fillColor('black');
  for (const c of o.riskiestClasses) {
    bullet(doc, `${c.size} record${c.size === 1 ? '' : 's'}: ${Object.entries(c.values).map(([k, v]) => `${k} = ${v === '' ? '(empty)' : v}`).join(', ')}`);
  }

  heading('Direct identifiers found');
  if (o.identifierLeaks.length === 0) doc.text('None.');
  for (const leak of o.identifierLeaks) {
    bullet(doc, `${leak.column}: ${DETECTOR_LABELS[leak.detector]} in ${recordCount(leak.count)}, e.g. ${leak.examples.join(', ')}`);
  }

  doc.end();
  return done;
}

function bullet(doc: PDFKit.PDFDocument, text: string): void {
  ensureSpace(doc, 16);
  doc.text(`•  ${text}`, 50, doc.y, { width: 495, indent: 0 });
}

function ensureSpace(doc: PDFKit.PDFDocument, height: number): void {
  if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
}

// The PDF a data steward downloads for a run: verdict first, then what failed and why, the
// figures, the classes to generalise and the (masked) identifiers found. The creation date is the
// run's analysis time, so rendering the same run twice gives the same bytes (reports are hashed).
import { createPdf } from '../pdf/kit';
import { DETECTOR_LABELS, percent, recordCount } from './thresholds';
import { shownClasses } from './generalize';
import type { ReidOutcome, ReidRun } from './types';

const GREEN = '#1d7044';
const RED = '#b3261e';
const GREY = '#555555';

export async function renderReidReport(run: ReidRun): Promise<Buffer> {
  const o = run.outcome;
  // Drawn with the report kit (server/pdf): embedded Unicode font (QI values are often
  // non-ASCII), bookmarks for the headings, "page X of Y", tagged structure.
  const kit = createPdf({
    title: `Re-identification test: ${run.dataset}`,
    subject: o.passed ? 'PASSED' : 'FAILED',
    createdAt: new Date(run.analysedAt),
    footer: `Lethe re-identification test: ${run.dataset}`,
  });
  const doc = kit.raw;
  const body = () => doc.font('body');
  const strong = () => doc.font('bold');
  const num = (n: number) => n.toLocaleString('en');
  const share = (n: number) => String(Number(n.toPrecision(4)));

  const heading = (text: string) => {
    kit.heading(text);
    body().fontSize(10).fillColor('black');
  };
  const pairs = (rows: [string, string][]) => kit.facts(rows, 210);

  strong().fontSize(18).text('Re-identification test report');
  body()
    .fontSize(10)
    .fillColor(GREY)
    .text('Lethe: how identifiable a dataset is before it is released or used for training.');
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
  strong()
    .fontSize(16)
    .fillColor(o.passed ? GREEN : RED)
    .text(o.passed ? 'PASSED' : 'FAILED');
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
    [
      'Class size min / average / max',
      `${num(o.minClassSize)} / ${share(o.averageClassSize)} / ${num(o.maxClassSize)}`,
    ],
    ['Sample uniques', `${num(o.sampleUniques)} (${percent(o.sampleUniqueness)})`],
    ...Object.entries(o.recordsBelowK).map(([k, n]): [string, string] => [
      `Records in classes smaller than ${k}`,
      num(n),
    ]),
    ['Prosecutor risk: highest / average', `${percent(o.prosecutor.highest)} / ${percent(o.prosecutor.average)}`],
    [`Prosecutor: records at risk (t = ${o.prosecutor.riskThreshold})`, percent(o.prosecutor.recordsAtRisk)],
  ];
  if (o.journalist) {
    rows.push([
      'Journalist risk: highest',
      `${percent(o.journalist.highest)} (population ${num(o.journalist.populationRecords)})`,
    ]);
    rows.push([`Journalist: records at risk (t = ${o.journalist.riskThreshold})`, percent(o.journalist.recordsAtRisk)]);
  }
  if (o.marketer) rows.push(['Marketer risk', percent(o.marketer.risk)]);
  if (o.linkage) {
    rows.push([
      `Linkage on ${o.linkage.on.join(', ')}`,
      `${percent(o.linkage.share)} of ${num(o.linkage.auxiliaryRecords)} auxiliary records match exactly one record`,
    ]);
  }
  pairs(rows);

  if (o.sensitiveAttributes.length > 0) {
    heading('Sensitive attributes');
    for (const [name, s] of Object.entries(o.sensitive)) {
      pairs([
        [name, `distinct l ${s.distinctL}, entropy l ${share(s.entropyL)}`],
        [
          '',
          `t-closeness ${share(s.tCloseness)} (equal)${s.orderedTCloseness === null ? '' : `, ${share(s.orderedTCloseness)} (ordered)`}`,
        ],
        [
          '',
          Object.entries(s.recordsBelowL)
            .map(([l, n]) => `${recordCount(n)} in classes with fewer than ${l} values`)
            .join('; '),
        ],
      ]);
    }
  }

  heading('Riskiest equivalence classes');
  body()
    .fillColor(GREY)
    .text('The smallest classes; those below k are shown generalized, never with their own values.');
  doc.fillColor('black');
  for (const line of riskyClassLines(o)) bullet(doc, line);

  heading('Direct identifiers found');
  if (o.identifierLeaks.length === 0) doc.text('None.');
  for (const leak of o.identifierLeaks) {
    bullet(
      doc,
      `${leak.column}: ${DETECTOR_LABELS[leak.detector]} in ${recordCount(leak.count)}, e.g. ${leak.examples.join(', ')}`,
    );
  }

  return kit.finish();
}

/** The riskiest classes as printed: generalized where below k (generalize.ts), never a raw risky combination. */
export function riskyClassLines(o: ReidOutcome): string[] {
  return shownClasses(o).map((c) => {
    const values = Object.entries(c.values)
      .map(([k, v]) => `${k} = ${v === '' ? '(empty)' : v}`)
      .join(', ');
    const shown = c.generalized
      ? ` (generalized${c.records === undefined ? '' : `; ${c.records.toLocaleString('en')} records match`})`
      : '';
    return `${c.size} record${c.size === 1 ? '' : 's'}: ${values}${shown}`;
  });
}

function bullet(doc: PDFKit.PDFDocument, text: string): void {
  ensureSpace(doc, 16);
  doc.text(`•  ${text}`, 50, doc.y, { width: 495, indent: 0 });
}

function ensureSpace(doc: PDFKit.PDFDocument, height: number): void {
  if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
}

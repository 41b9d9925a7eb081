// Draws the board packet with the report kit (server/pdf): a cover page, the agenda, one section
// per use case with a space for the decision; the kit adds "page X of Y", the embedded Unicode
// font, bookmarks for the agenda and each use case, and the tagged structure.
import { createPdf } from '../pdf/kit';
import type { Packet } from './packet';

const GREY = '#555555';

export async function renderPacketPdf(p: Packet): Promise<Buffer> {
  const kit = createPdf({
    title: `Ethics board packet ${p.meetingOn}`,
    subject: `Ethics board meeting of ${p.meetingOn}`,
    createdAt: p.generatedAt,
    footer: `Ethics board packet ${p.meetingOn}`,
  });
  const doc = kit.raw;
  const body = 'body';
  const strong = 'bold';

  // Cover
  doc.font(strong).fontSize(26).text('Ethics board packet', { align: 'left' }).moveDown(0.5);
  doc.font(body).fontSize(14).text(`Meeting of ${p.meetingOn}`).moveDown(2);
  doc.fontSize(11).fillColor(GREY);
  doc.text(`${p.items.length} use case(s) awaiting a decision.`);
  doc.text(
    `Generated ${p.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC under policy bundle ${p.bundleHash.slice(0, 16)}.`,
  );
  doc
    .text('Tiers and the rules behind them come from ai-act.yaml (EU AI Act, Regulation (EU) 2024/1689).')
    .fillColor('black');

  // Agenda
  doc.addPage();
  doc.outline.addItem('Agenda');
  doc.font(strong).fontSize(18).text('Agenda').moveDown(0.5);
  doc.font(body).fontSize(11);
  if (!p.items.length) doc.text('No use case is awaiting a decision.');
  p.items.forEach((it, i) => doc.text(`${i + 1}. ${it.title} — ${it.tier} — ${it.status}`));

  p.items.forEach((it, i) => {
    doc.addPage();
    doc.outline.addItem(`${i + 1}. ${it.title}`);
    doc
      .font(strong)
      .fontSize(16)
      .text(`${i + 1}. ${it.title}`)
      .moveDown(0.3);
    doc
      .font(body)
      .fontSize(10)
      .fillColor(GREY)
      .text(`${it.status} · version ${it.version} · owner ${it.owner} · company role: ${it.role}`)
      .fillColor('black')
      .moveDown(0.5);
    doc.font(strong).fontSize(12).text(`Tier: ${it.tier}`);
    doc.font(body).fontSize(10);
    for (const r of it.rules) doc.text(`• ${r.article} — ${r.name}: ${r.reason}`);
    if (!it.rules.length) doc.text('• No rule fired.');
    if (it.duties.length) {
      doc.moveDown(0.3).font(strong).text('Transparency duties').font(body);
      for (const d of it.duties) doc.text(`• ${d}`);
    }
    doc.moveDown(0.5).font(strong).fontSize(12).text('Summary').font(body).fontSize(10).text(it.purpose);
    doc.moveDown(0.5).font(strong).fontSize(12).text('Assessments').font(body).fontSize(10);
    for (const a of it.assessments) {
      doc.text(
        `${a.section}: ${a.required ? (a.complete ? 'required, complete' : 'required, INCOMPLETE') : a.highlights.length ? 'not required, provided' : 'not required'}`,
      );
      for (const h of a.highlights.slice(0, 4)) doc.text(`   – ${h}`);
    }
    doc.moveDown(0.5).font(strong).fontSize(12).text('Linked evidence').font(body).fontSize(10);
    for (const e of it.evidence.reid)
      doc.text(
        `• Re-identification test of ${e.dataset}: ${e.passed ? 'passed' : 'FAILED'} (${e.finishedAt.toISOString().slice(0, 10)})`,
      );
    for (const e of it.evidence.erasures)
      doc.text(`• Erasures touched ${e.dataset}: ${e.requests} request(s), ${e.rows} row(s)`);
    for (const f of it.evidence.flags)
      doc.text(`• ${f.kind.replace(/_/g, ' ')}: ${f.artefact}${f.resolved ? ' (resolved)' : ''}`);
    if (!it.evidence.reid.length && !it.evidence.erasures.length && !it.evidence.flags.length)
      doc.text('• None recorded.');
    for (const t of it.triggers) doc.text(`• Returned to review ${t}`);
    doc.moveDown(1).font(strong).fontSize(12).text('Decision');
    doc
      .font(body)
      .fontSize(10)
      .text('☐ Approve    ☐ Approve with conditions    ☐ Reject')
      .moveDown(0.3)
      .text('Conditions, owners and due dates:');
    const y = doc.y + 4;
    doc.rect(doc.page.margins.left, y, doc.page.width - doc.page.margins.left - doc.page.margins.right, 90).stroke();
    doc.y = y + 100;
  });

  return kit.finish();
}

// The one drawing kit every Lethe PDF uses (reports, certificates, the board packet…).
//
// Usage, in full:
//   const doc = createPdf({ title, author, subject, createdAt, footer });   // createdAt fixes the bytes;
//        // every page gets `footer` on the left and "page X of Y" on the right
//   doc.cover({ title, subtitle, facts: [['Report id', id], …], note });
//   doc.heading('Requests');                 // level 1 also becomes a PDF bookmark
//   doc.heading('By regulation', 2);         // level 2: a bookmark under the last level 1
//   doc.paragraph('text'); doc.facts([['label', 'value'], …]); doc.bullet('text');
//   await doc.table({ columns: [{ header: 'Seq', width: 50, align: 'right' }, …], rows });
//        // rows: an array or an (async) iterable of string arrays: streamed, never collected;
//        // rows break across pages and the header row repeats on every page.
//   doc.barChart({ title, labels, series: [{ name, values }] });  doc.lineChart({ … });
//   const bytes = await doc.finish();        // ends the document and returns the PDF bytes
//
// Text is set in DejaVu Sans (shipped by the dejavu-fonts-ttf package, embedded as a subset; the
// fonts 'body', 'bold', 'condensed' and 'condensed-bold' are registered for raw drawing), so
// any name renders: "Joaquín Viera", "Zoë Łukasiewicz". The document is tagged (headings,
// paragraphs, tables as structure elements) and the same input gives the same bytes: the creation
// date is the caller's, and pdfkit derives the file id from the metadata.
import { createRequire } from 'node:module';
import path from 'node:path';
import type PDFKitDocument from 'pdfkit';

const require = createRequire(import.meta.url);
// Required on the first PDF (~0.3 s of fonts and codecs), not at every start; createPdf stays synchronous.
let PDFDocument: typeof PDFKitDocument | undefined;
const pdfDocument = () => (PDFDocument ??= require('pdfkit') as typeof PDFKitDocument);
const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
export const FONTS = {
  regular: path.join(FONT_DIR, 'DejaVuSans.ttf'),
  bold: path.join(FONT_DIR, 'DejaVuSans-Bold.ttf'),
  condensed: path.join(FONT_DIR, 'DejaVuSansCondensed.ttf'),
  condensedBold: path.join(FONT_DIR, 'DejaVuSansCondensed-Bold.ttf'),
};

export const COLORS = {
  text: '#111111',
  muted: '#555555',
  rule: '#bbbbbb',
  ok: '#1d7044',
  bad: '#b3261e',
  band: '#f0f0f0',
  series: ['#1f4e79', '#c55a11', '#548235', '#7030a0', '#bf9000'],
};

export interface PdfMeta {
  title: string;
  author?: string;
  subject?: string;
  keywords?: string;
  /** The document's creation date: rendering the same data at the same date gives the same bytes. */
  createdAt: Date;
  lang?: string;
  /** Printed at the foot of every page, beside "page X of Y". */
  footer?: string;
}

export interface Column {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

export interface Series {
  name: string;
  values: number[];
}

export interface ChartSpec {
  title: string;
  labels: string[];
  series: Series[];
  /** How to print a value on the axis and on the bars. */
  format?: (n: number) => string;
}

type Rows = Iterable<string[]> | AsyncIterable<string[]>;

export interface PdfKit {
  /** The underlying pdfkit document, for drawing the kit does not cover. */
  raw: PDFKit.PDFDocument;
  cover(c: { title: string; subtitle?: string; facts?: [string, string][]; note?: string }): void;
  heading(text: string, level?: 1 | 2): void;
  paragraph(text: string, opts?: { color?: string; size?: number; bold?: boolean }): void;
  facts(rows: [string, string][], labelWidth?: number): void;
  bullet(text: string): void;
  verdict(text: string, ok: boolean): void;
  table(t: { columns: Column[]; rows: Rows; empty?: string }): Promise<number>;
  barChart(c: ChartSpec): void;
  lineChart(c: ChartSpec): void;
  pageBreak(): void;
  finish(): Promise<Buffer>;
}

const MARGIN = 50;
const BODY = 10;
const ROW_H = 14;

export function createPdf(meta: PdfMeta): PdfKit {
  const doc = new (pdfDocument())({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN + 14, left: MARGIN, right: MARGIN },
    tagged: true,
    pdfVersion: '1.7',
    lang: meta.lang ?? 'en',
    displayTitle: true,
    info: {
      Title: meta.title,
      Author: meta.author ?? 'Lethe',
      Subject: meta.subject ?? '',
      Keywords: meta.keywords ?? '',
      Creator: 'Lethe',
      Producer: 'Lethe (pdfkit)',
      CreationDate: meta.createdAt,
      ModDate: meta.createdAt,
    },
  });
  // pdfkit emits many small Buffers carved from Node's shared 8 KB pool slabs: keeping them would
  // pin every slab they share with garbage (80 MB at 50,000 rows). Copied into 1 MB blocks instead.
  const chunks: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const settle = () => {
    if (pending.length) chunks.push(Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  };
  doc.on('data', (c: Buffer) => {
    pending.push(c);
    pendingBytes += c.length;
    if (pendingBytes >= 1 << 20) settle();
  });
  const ended = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => {
      settle();
      resolve(Buffer.concat(chunks));
    });
    doc.on('error', reject);
  });
  doc.registerFont('body', FONTS.regular);
  doc.registerFont('bold', FONTS.bold);
  // For dense documents (the certificate): about as wide as Helvetica. Only embedded when used.
  doc.registerFont('condensed', FONTS.condensed);
  doc.registerFont('condensed-bold', FONTS.condensedBold);
  for (const f of ['bold', 'body']) boundLayoutCache(doc.font(f));
  const bodyFont = fontOf(doc.font('body'));
  doc.fontSize(BODY).fillColor(COLORS.text);

  const root = doc.struct('Document');
  doc.addStructure(root);

  // "page X of Y" without holding pages in memory: X is drawn as each page starts, Y is a form
  // XObject every page refers to and whose content is written once the last page is known. The
  // footer is marked as a pagination artifact (not part of the text a screen reader reads).
  const total = doc.ref({ Type: 'XObject', Subtype: 'Form', BBox: [0, -4, 60, 12] });
  let pages = 0;
  const drawFooter = () => {
    pages++;
    const font = bodyFont;
    if (doc.page.fonts[font.id] == null) doc.page.fonts[font.id] = font.ref();
    (doc.page as unknown as { xobjects: Record<string, unknown> }).xobjects.LetheTotal = total;
    const y = MARGIN - 14;
    const left = meta.footer ? `<${cellGlyphs(font, meta.footer.slice(0, 110))[0]}>` : null;
    const [label, units] = cellGlyphs(font, `page ${pages} of `);
    const x = doc.page.width - MARGIN - 70;
    doc.addContent(
      `/Artifact <</Type /Pagination /Subtype /Footer>> BDC q ${rgb(COLORS.muted)} rg BT /${font.id} 8 Tf ` +
        (left ? `1 0 0 1 ${MARGIN} ${y} Tm ${left} Tj ` : '') +
        `1 0 0 1 ${n2(x)} ${y} Tm <${label}> Tj ET 1 0 0 1 ${n2(x + (units * 8) / 1000)} ${y} cm /LetheTotal Do Q EMC`,
    );
  };
  // The page's own transform flips y (pdfkit draws top-down); the footer is written in PDF space.
  doc.on('pageAdded', () => {
    doc.addContent('q 1 0 0 -1 0 ' + n2(doc.page.height) + ' cm');
    drawFooter();
    doc.addContent('Q');
  });
  doc.addContent('q 1 0 0 -1 0 ' + n2(doc.page.height) + ' cm');
  drawFooter();
  doc.addContent('Q');
  const contentWidth = () => doc.page.width - MARGIN * 2;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const ensure = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage();
  };
  const tagged = (type: string, draw: () => void) => root.add(doc.struct(type, {}, [draw]));
  let lastOutline: PDFKit.PDFOutline | null = null;

  const kit: PdfKit = {
    raw: doc,

    cover({ title, subtitle, facts, note }) {
      doc.y = 140;
      tagged('H1', () =>
        doc.font('bold').fontSize(24).fillColor(COLORS.text).text(title, MARGIN, doc.y, { width: contentWidth() }),
      );
      if (subtitle)
        tagged('P', () =>
          doc.moveDown(0.4).font('body').fontSize(13).fillColor(COLORS.muted).text(subtitle, { width: contentWidth() }),
        );
      doc.moveDown(1.5);
      if (facts?.length) kit.facts(facts, 170);
      if (note) {
        doc.moveDown(1.5);
        kit.paragraph(note, { color: COLORS.muted, size: 8.5 });
      }
      doc.addPage();
    },

    heading(text, level = 1) {
      ensure(level === 1 ? 70 : 50);
      doc.moveDown(level === 1 ? 0.9 : 0.6);
      tagged(level === 1 ? 'H1' : 'H2', () =>
        doc
          .font('bold')
          .fontSize(level === 1 ? 15 : 12)
          .fillColor(COLORS.text)
          .text(text, MARGIN, doc.y, { width: contentWidth() }),
      );
      doc.moveDown(0.3).font('body').fontSize(BODY);
      if (level === 1) lastOutline = doc.outline.addItem(text);
      else (lastOutline ?? doc.outline).addItem(text);
    },

    paragraph(text, opts = {}) {
      ensure(ROW_H * 2);
      tagged('P', () =>
        doc
          .font(opts.bold ? 'bold' : 'body')
          .fontSize(opts.size ?? BODY)
          .fillColor(opts.color ?? COLORS.text)
          .text(text, MARGIN, doc.y, { width: contentWidth() }),
      );
      doc.font('body').fontSize(BODY).fillColor(COLORS.text);
    },

    facts(rows, labelWidth = 200) {
      for (const [label, value] of rows) {
        ensure(ROW_H + 2);
        // Hashes and ids are one long word: set smaller so a 64-hex SHA-256 stays on one line.
        const size = /\S{40,}/.test(value) ? 7 : BODY;
        doc.font('body').fontSize(BODY);
        const lh = doc.heightOfString(label, { width: labelWidth - 10 });
        const vh = doc.fontSize(size).heightOfString(value, { width: contentWidth() - labelWidth });
        const h = Math.max(lh, vh);
        if (doc.y + h > bottom()) doc.addPage();
        const top = doc.y;
        tagged('P', () => {
          doc
            .fontSize(BODY)
            .fillColor(COLORS.muted)
            .text(label, MARGIN, top, { width: labelWidth - 10 });
          doc
            .fontSize(size)
            .fillColor(COLORS.text)
            .text(value, MARGIN + labelWidth, top + (BODY - size) * 0.8, { width: contentWidth() - labelWidth });
        });
        doc.fontSize(BODY);
        doc.x = MARGIN;
        doc.y = top + h + 3;
      }
    },

    bullet(text) {
      ensure(ROW_H + 2);
      tagged('LI', () =>
        doc
          .font('body')
          .fontSize(BODY)
          .fillColor(COLORS.text)
          .text(`•  ${text}`, MARGIN, doc.y, { width: contentWidth(), indent: 0 }),
      );
    },

    verdict(text, ok) {
      ensure(30);
      tagged('P', () =>
        doc
          .font('bold')
          .fontSize(16)
          .fillColor(ok ? COLORS.ok : COLORS.bad)
          .text(text, MARGIN, doc.y, { width: contentWidth() }),
      );
      doc.font('body').fontSize(BODY).fillColor(COLORS.text);
    },

    async table({ columns, rows, empty }) {
      const table = doc.struct('Table');
      root.add(table);
      const width = columns.reduce((s, c) => s + c.width, 0);
      const scale = Math.min(1, contentWidth() / width);
      const xs: number[] = [];
      let x = MARGIN;
      for (const c of columns) {
        xs.push(x);
        x += c.width * scale;
      }
      const size = 7.5;
      // Cells are one line each, cut to fit: a row's height is known before it is drawn, so the
      // page break never splits a row. Each row is written as one content string (pdfkit's text()
      // writes a dozen small operators per cell: 50,000 buffered rows of those cost ~400 MB).
      const fitted = (font: KitFont, text: string, cw: number): [string, number] => {
        let t = text;
        for (;;) {
          const [hex, units] = cellGlyphs(font, t);
          const w = (units * size) / 1000;
          if (w <= cw || t.length <= 2) return [hex, w];
          t = t.slice(0, Math.max(1, Math.min(t.length - 2, Math.floor((t.length * cw) / w) - 1))) + '…';
        }
      };
      const rowOps = (cells: string[], y: number, bold: boolean, band: string | null) => {
        const font = fontOf(doc.font(bold ? 'bold' : 'body'));
        if (doc.page.fonts[font.id] == null) doc.page.fonts[font.id] = font.ref();
        const H = doc.page.height;
        const baseline = H - (y + 3) - (font.ascender / 1000) * size;
        const ops: string[] = [];
        if (band) ops.push(`q ${rgb(band)} rg ${n2(MARGIN)} ${n2(y)} ${n2(width * scale)} ${ROW_H} re f Q`);
        ops.push(`q 1 0 0 -1 0 ${n2(H)} cm ${rgb(COLORS.text)} rg BT /${font.id} ${size} Tf`);
        cells.forEach((cell, i) => {
          if (!cell) return;
          const cw = columns[i].width * scale - 6;
          const [hex, w] = fitted(font, cell, cw);
          const x = columns[i].align === 'right' ? xs[i] + 3 + Math.max(0, cw - w) : xs[i] + 3;
          ops.push(`1 0 0 1 ${n2(x)} ${n2(baseline)} Tm <${hex}> Tj`);
        });
        ops.push('ET Q');
        doc.addContent(ops.join(' '));
      };
      const header = () => {
        const y = doc.y;
        table.add(
          doc.struct(
            'TR',
            {},
            columns.map((c, i) =>
              doc.struct('TH', {}, [
                () =>
                  rowOps(
                    columns.map((_, j) => (j === i ? c.header : '')),
                    y,
                    true,
                    i === 0 ? COLORS.band : null,
                  ),
              ]),
            ),
          ),
        );
        doc.font('body').fontSize(size);
        doc.y = y + ROW_H;
      };
      ensure(ROW_H * 3);
      header();
      // Rows are tagged one body section per page (a TBody holding that page's rows), not one
      // structure element per row: per-row elements doubled the file at 50,000 rows.
      let section: PDFKit.PDFStructureElement | null = null;
      const closeSection = () => {
        if (!section) return;
        doc.endMarkedContent();
        section.end();
        section = null;
      };
      let count = 0;
      for await (const r of rows as AsyncIterable<string[]>) {
        if (doc.y + ROW_H > bottom()) {
          closeSection();
          doc.addPage();
          header();
        }
        if (!section) {
          section = doc.struct('TBody');
          table.add(section);
          section.add(doc.markStructureContent('TBody'));
        }
        const y = doc.y;
        rowOps(r, y, false, count % 2 === 1 ? '#f8f8f8' : null);
        doc.y = y + ROW_H;
        count++;
      }
      closeSection();
      table.end();
      doc.x = MARGIN;
      doc.font('body').fontSize(BODY);
      if (count === 0 && empty) kit.paragraph(empty, { color: COLORS.muted });
      doc.moveDown(0.5);
      return count;
    },

    barChart(c) {
      chart(doc, c, 'bar', ensure, (draw) => root.add(doc.struct('Figure', { alt: describe(c) }, [draw])));
    },

    lineChart(c) {
      chart(doc, c, 'line', ensure, (draw) => root.add(doc.struct('Figure', { alt: describe(c) }, [draw])));
    },

    pageBreak() {
      doc.addPage();
    },

    async finish() {
      root.end();
      // The total is known only now: every footer shows it through one shared form XObject.
      const font = bodyFont;
      (total.data as Record<string, unknown>).Resources = { Font: { [font.id]: font.ref() } };
      total.end(`BT /${font.id} 8 Tf ${rgb(COLORS.muted)} rg 0 0 Td <${cellGlyphs(font, String(pages))[0]}> Tj ET`);
      doc.end();
      return ended;
    },
  };
  return kit;
}

// pdfkit caches the glyph layout of every distinct word for the life of the document: with 50,000
// rows of hashes and timestamps that cache alone grew past 300 MB. Emptied every 20,000 look-ups it
// keeps the common words (actions, headers) hot and the memory flat.
function boundLayoutCache(doc: PDFKit.PDFDocument): void {
  const font = (doc as unknown as { _font: { layoutCached(t: string): unknown; layoutCache?: object } })._font;
  const original = font.layoutCached.bind(font);
  let calls = 0;
  font.layoutCached = (text: string) => {
    if (++calls > 20_000) {
      font.layoutCache = Object.create(null);
      calls = 0;
    }
    return original(text);
  };
}

interface KitFont {
  id: string;
  ascender: number;
  scale: number;
  ref(): unknown;
  font: { glyphForCodePoint(cp: number): { id: number; advanceWidth: number; codePoints: number[] } };
  subset: { includeGlyph(id: number): number };
  widths: number[];
  unicode: number[][];
  /** per code point: the glyph's 4-hex subset id and its advance (1/1000 em) */
  cellCache?: Map<number, [string, number]>;
}

// Table cells skip OpenType shaping (fontkit's layout costs ~50 µs a word and made 50,000 rows
// take minutes): each character maps straight to its glyph through the font's cmap, once per
// document. What shaping would add to a cell (kerning, ligatures) does not matter in a table.
function cellGlyphs(font: KitFont, text: string): [string, number] {
  const cache = (font.cellCache ??= new Map());
  let hex = '';
  let units = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let g = cache.get(cp);
    if (!g) {
      const glyph = font.font.glyphForCodePoint(cp);
      const gid = font.subset.includeGlyph(glyph.id);
      const width = glyph.advanceWidth * font.scale;
      font.widths[gid] ??= width;
      font.unicode[gid] ??= glyph.codePoints.length ? glyph.codePoints : [cp];
      g = [`0000${gid.toString(16)}`.slice(-4), width];
      cache.set(cp, g);
    }
    hex += g[0];
    units += g[1];
  }
  return [hex, units];
}
const fontOf = (doc: PDFKit.PDFDocument) => (doc as unknown as { _font: KitFont })._font;
const n2 = (n: number) => (Math.round(n * 100) / 100).toString();
const rgb = (hex: string) => [1, 3, 5].map((i) => n2(parseInt(hex.slice(i, i + 2), 16) / 255)).join(' ');

function describe(c: ChartSpec): string {
  const f = c.format ?? String;
  return (
    `${c.title}: ` +
    c.series.map((s) => `${s.name} ` + s.values.map((v, i) => `${c.labels[i]} ${f(v)}`).join(', ')).join('; ')
  );
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// Vector charts: an axis with four gridlines, grouped bars or polylines, labels under the axis and
// a legend. Drawn with pdfkit paths, so they stay sharp at any zoom and cost a few hundred bytes.
function chart(
  doc: PDFKit.PDFDocument,
  c: ChartSpec,
  kind: 'bar' | 'line',
  ensure: (h: number) => void,
  tag: (draw: () => void) => void,
) {
  const fmt = c.format ?? ((n: number) => n.toLocaleString('en'));
  const height = 150;
  ensure(height + 60);
  doc.moveDown(0.3);
  const top = doc.y;
  const left = MARGIN + 40;
  const width = doc.page.width - MARGIN - left;
  const plotTop = top + 18;
  const base = plotTop + height;
  const max = niceMax(Math.max(0, ...c.series.flatMap((s) => s.values)));
  tag(() => {
    doc
      .font('bold')
      .fontSize(9)
      .fillColor(COLORS.text)
      .text(c.title, MARGIN, top, { width: width + 40, lineBreak: false });
    doc.font('body').fontSize(7).fillColor(COLORS.muted);
    for (let g = 0; g <= 4; g++) {
      const y = base - (height * g) / 4;
      doc
        .save()
        .moveTo(left, y)
        .lineTo(left + width, y)
        .lineWidth(0.4)
        .strokeColor(COLORS.rule)
        .stroke()
        .restore();
      doc.text(fmt((max * g) / 4), MARGIN - 8, y - 3, { width: 44, align: 'right', lineBreak: false });
    }
    const n = Math.max(1, c.labels.length);
    const slot = width / n;
    c.labels.forEach((l, i) =>
      doc
        .fillColor(COLORS.muted)
        .text(l, left + i * slot, base + 4, { width: slot, align: 'center', lineBreak: false }),
    );
    c.series.forEach((s, si) => {
      const color = COLORS.series[si % COLORS.series.length];
      if (kind === 'bar') {
        const bw = (slot * 0.7) / c.series.length;
        s.values.forEach((v, i) => {
          const h = (height * v) / max;
          const x = left + i * slot + slot * 0.15 + si * bw;
          if (h > 0)
            doc
              .save()
              .rect(x, base - h, bw, h)
              .fill(color)
              .restore();
          doc
            .fillColor(COLORS.text)
            .fontSize(6.5)
            .text(fmt(v), x - 4, base - h - 9, { width: bw + 8, align: 'center', lineBreak: false });
        });
      } else {
        const pts = s.values.map((v, i): [number, number] => [left + i * slot + slot / 2, base - (height * v) / max]);
        if (pts.length) {
          doc.save().moveTo(...pts[0]);
          for (const p of pts.slice(1)) doc.lineTo(...p);
          doc.lineWidth(1.5).strokeColor(color).stroke().restore();
          for (const [px, py] of pts) doc.save().circle(px, py, 2).fill(color).restore();
        }
      }
      doc.fontSize(7);
      const lx = left + si * 120;
      doc
        .save()
        .rect(lx, base + 16, 8, 8)
        .fill(color)
        .restore();
      doc.fillColor(COLORS.text).text(s.name, lx + 11, base + 16, { width: 105, lineBreak: false });
    });
  });
  doc.x = MARGIN;
  doc.y = base + 34;
  doc.font('body').fontSize(BODY).fillColor(COLORS.text);
}

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPdf } from './kit';

const has = (cmd: string) => spawnSync(cmd, ['-v']).error === undefined;
const run = (cmd: string, args: string[], input: Buffer) =>
  execFileSync(cmd, [...args, '-', '-'], { input }).toString('utf8');
// pdfinfo and pdffonts read a file, not stdin
const tool = (cmd: string, pdf: Buffer) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-kit-'));
  try {
    fs.writeFileSync(path.join(dir, 'k.pdf'), pdf);
    return execFileSync(cmd, [path.join(dir, 'k.pdf')]).toString('utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};

async function sample(rows = 200): Promise<Buffer> {
  const doc = createPdf({
    title: 'Kit sample',
    author: 'Lethe test',
    subject: 'the kit',
    createdAt: new Date('2026-02-03T04:05:06Z'),
    footer: 'Kit sample footer',
  });
  doc.cover({ title: 'Kit sample', subtitle: 'for Joaquín Viera and Zoë Łukasiewicz', facts: [['Report id', 'r-1']] });
  doc.heading('Figures');
  doc.facts([['Requests', '12']]);
  doc.barChart({ title: 'Per month', labels: ['Jan', 'Feb'], series: [{ name: 'erasure', values: [3, 9] }] });
  doc.lineChart({ title: 'Trend', labels: ['Jan', 'Feb', 'Mar'], series: [{ name: 'passed', values: [1, 4, 2] }] });
  doc.heading('Rows', 2);
  async function* gen() {
    for (let i = 1; i <= rows; i++) yield [String(i), i % 2 ? 'Zoë Łukasiewicz' : 'Joaquín Viera', 'x'.repeat(200)];
  }
  const n = await doc.table({
    columns: [
      { header: 'No.', width: 50, align: 'right' },
      { header: 'Name', width: 150 },
      { header: 'Long cell', width: 200 },
    ],
    rows: gen(),
  });
  expect(n).toBe(rows);
  return doc.finish();
}

describe.skipIf(!has('pdftotext') || !has('pdfinfo'))('the report kit', () => {
  it('renders Unicode names, metadata, tags, bookmarks, page X of Y and repeats table headers on every page', async () => {
    const pdf = await sample(200);
    const text = run('pdftotext', ['-layout'], pdf);
    expect(text).toContain('Joaquín Viera');
    expect(text).toContain('Zoë Łukasiewicz');
    const info = tool('pdfinfo', pdf);
    expect(info).toMatch(/Title:\s+Kit sample/);
    expect(info).toMatch(/Author:\s+Lethe test/);
    expect(info).toMatch(/Subject:\s+the kit/);
    expect(info).toMatch(/CreationDate:.*2026/);
    expect(info).toMatch(/Tagged:\s+yes/);
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    expect(pages).toBeGreaterThan(3);
    for (let p = 1; p <= pages; p++) expect(text).toContain(`page ${p} of ${pages}`);
    // the header row opens every page the table runs over
    const withHeader = text
      .split('\f')
      .slice(0, pages)
      .map((pg) => /No\.\s+Name\s+Long cell/.test(pg));
    const first = withHeader.indexOf(true);
    expect(first).toBeGreaterThan(0); // not on the cover
    expect(withHeader.slice(first).every(Boolean)).toBe(true);
    expect(pages - first).toBeGreaterThan(2);
    expect(text).toContain('Kit sample footer');
    expect(pdf.toString('latin1')).toContain('/Outlines');
    expect(tool('pdffonts', pdf)).toMatch(/DejaVuSans\s+CID TrueType\s+Identity-H\s+yes\s+yes/);
  });

  it('gives the same bytes for the same input', async () => {
    expect((await sample(50)).equals(await sample(50))).toBe(true);
  });
});

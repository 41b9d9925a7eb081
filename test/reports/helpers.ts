import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { expect } from 'vitest';
import type { TestApp } from '../support/app';
import { generateReport } from '../../server/reports/service';

export const pdfText = (pdf: Buffer) =>
  execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf, maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
export const ARTEFACTS = path.resolve(import.meta.dirname, 'artefacts');

/** Orders a report through the API, generates it (as the job would) and downloads it. */
export async function issue(t: TestApp, token: string, body: object): Promise<{ id: string; pdf: Buffer }> {
  const order = await request(t.app).post('/api/v1/reports').set('authorization', `Bearer ${token}`).send(body);
  expect(order.status, order.text).toBe(202);
  const id = order.body.id as string;
  const row = await generateReport(t.deps, id);
  expect(row.status, row.error ?? '').toBe('done');
  const res = await request(t.app)
    .get(`/api/v1/reports/${id}/pdf`)
    .set('authorization', `Bearer ${token}`)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(res.status).toBe(200);
  return { id, pdf: res.body as Buffer };
}

/**
 * Renders every page to PNG under test/reports/artefacts/<name>/ for a person to open, and checks (on a
 * greyscale rendering of the same pages) that none is blank; returns the page count.
 */
export function renderPages(pdf: Buffer, name: string): number {
  const dir = path.join(ARTEFACTS, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', '60', '-png', file, path.join(dir, 'page')]);
  const grey = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-pages-'));
  try {
    execFileSync('pdftoppm', ['-r', '30', '-gray', file, path.join(grey, 'page')]);
    const pages = fs
      .readdirSync(grey)
      .filter((f) => f.endsWith('.pgm'))
      .sort();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.png')).length).toBe(pages.length);
    for (const p of pages) {
      const img = fs.readFileSync(path.join(grey, p));
      // PGM: a header "P5 <w> <h> 255" then one byte per pixel; a blank page is all white.
      const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(img.subarray(0, 40).toString('latin1'))!;
      const pixels = img.subarray(header[0].length);
      const dark = pixels.reduce((n, v) => n + (v < 200 ? 1 : 0), 0);
      expect(dark / pixels.length, `${name} ${p} is blank`).toBeGreaterThan(0.002);
    }
    return pages.length;
  } finally {
    fs.rmSync(grey, { recursive: true, force: true });
  }
}

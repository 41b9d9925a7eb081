import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseClasses } from './metrics';
import { renderReidReport } from './report-pdf';
import { applyPolicy, DEFAULT_THRESHOLDS, evaluate } from './thresholds';
import type { ReidRun } from './types';

function run(): ReidRun {
  const metrics = analyseClasses(
    {
      quasi: ['city', 'age'],
      sensitive: ['diagnosis'],
      classes: [
        { values: ['Zürich', '34'], size: 1, histograms: { diagnosis: { Anämie: 1 } } },
        { values: ['Oslo', ''], size: 6, histograms: { diagnosis: { flu: 4, cold: 2 } } },
      ],
    },
    { kValues: [2, 3, 5, 10] },
  );
  const identifierLeaks = [{ column: 'notes', detector: 'email' as const, count: 12, examples: ['j***@e***.com'] }];
  const policy = applyPolicy({ ...DEFAULT_THRESHOLDS, l: 2 }, 'f'.repeat(64));
  return {
    dataset: 'patients_export.csv',
    source: 'csv',
    analysedAt: '2026-11-28T10:00:00.000Z',
    durationMs: 1234,
    outcome: {
      quasiIdentifiers: ['city', 'age'],
      sensitiveAttributes: ['diagnosis'],
      ...metrics,
      identifierLeaks,
      linkage: null,
      ...evaluate({ ...metrics, identifierLeaks }, policy.thresholds),
      policy,
    },
  };
}

const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;

describe('renderReidReport', () => {
  it('renders a PDF, the same bytes for the same run', async () => {
    const pdf = await renderReidReport(run());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF/);
    expect((await renderReidReport(run())).equals(pdf)).toBe(true);
  });

  it.skipIf(!hasPdftotext)(
    'states the verdict, each violation, the bundle hash, the riskiest classes and only masked identifiers',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-reid-pdf-'));
      try {
        const file = path.join(dir, 'r.pdf');
        fs.writeFileSync(file, await renderReidReport(run()));
        const text = execFileSync('pdftotext', ['-layout', file, '-']).toString('utf8').replace(/\s+/g, ' ');
        expect(text).toContain('FAILED');
        expect(text).toContain('patients_export.csv');
        expect(text).toContain('k-anonymity is 1, the policy requires at least 5');
        expect(text).toContain('diagnosis: distinct l-diversity is 1, the policy requires at least 2');
        expect(text).toContain('f'.repeat(64));
        // A class below k stored without generalization (an old result) prints `*`, never its values.
        expect(text).toContain('1 record: city = *, age = * (generalized)');
        expect(text).not.toContain('Zürich');
        expect(text).toContain('6 records: city = Oslo');
        expect(text).toContain('age = (empty)');
        expect(text).toContain('notes: email addresses in 12 records, e.g. j***@e***.com');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

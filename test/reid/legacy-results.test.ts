// Results stored before generalization: the migration leaves no raw value of a class below k in the
// stored result or its PDF, and running it again changes nothing.
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { analyseClasses } from '../../server/reid/metrics';
import { applyPolicy, DEFAULT_THRESHOLDS, evaluate } from '../../server/reid/thresholds';
import { up } from '../../migrations/20261201120000_reid_results_generalized';
import { pdfToText } from '../support/artefacts/collect';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb?.drop());

const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;

function legacyOutcome() {
  // analyseClasses without the policy's k lists raw values, as results did before issue 12.
  const metrics = analyseClasses({
    quasi: ['city', 'birth_date'],
    classes: [
      { values: ['Zürich', '1971-05-17'], size: 1 },
      { values: ['Oslo', ''], size: 6 },
    ],
  });
  const policy = applyPolicy(DEFAULT_THRESHOLDS, 'f'.repeat(64));
  return {
    quasiIdentifiers: ['city', 'birth_date'],
    sensitiveAttributes: [],
    ...metrics,
    identifierLeaks: [],
    linkage: null,
    ...evaluate({ ...metrics, identifierLeaks: [] }, policy.thresholds),
    policy,
  };
}

describe('migration 20261201120000: stored results without raw risky values', () => {
  it.skipIf(!hasPdftotext)('redacts the result and renders the PDF again; a second run changes nothing', async () => {
    const legacyPdf = Buffer.from('%PDF-1.3 legacy report listing Zürich 1971-05-17');
    const [row] = await tdb
      .db('reid_runs')
      .insert({
        dataset: 'legacy.csv',
        source: 'csv',
        release_kind: 'default',
        options: { quasi: ['city', 'birth_date'], sensitive: [] },
        status: 'done',
        requested_by: 'user:x',
        result: legacyOutcome(),
        passed: false,
        duration_ms: 5,
        report: legacyPdf,
        report_sha256: 'old',
        started_at: new Date('2026-11-01T10:00:00Z'),
        finished_at: new Date(),
      })
      .returning('id');
    expect(JSON.stringify((await tdb.db('reid_runs').where(row).first()).result)).toContain('Zürich');

    await up(tdb.db);
    const after = await tdb.db('reid_runs').where(row).first();
    expect(after.result.riskiestClasses).toEqual([
      { values: { city: '*', birth_date: '*' }, size: 1, risk: 1, generalized: true },
      { values: { city: 'Oslo', birth_date: '' }, size: 6 },
    ]);
    expect(JSON.stringify(after.result)).not.toMatch(/Zürich|1971-05-17/);
    const text = pdfToText(after.report);
    expect(text).toContain('Re-identification test report');
    expect(text).not.toMatch(/Zürich|1971-05-17/);
    expect(after.report_sha256).toBe(crypto.createHash('sha256').update(after.report).digest('hex'));

    await up(tdb.db);
    const again = await tdb.db('reid_runs').where(row).first();
    expect(again.report_sha256).toBe(after.report_sha256);
    expect(again.result).toEqual(after.result);
  });
});

// The service the CLI uses (and a job would): progress reporting and the policy-derived models.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adultHierarchies, writeAdultCsv } from '../../bench/anonymize-generate';
import { anonymizeCsv, modelsFromThresholds, type AnonymizeProgress } from '../../server/anonymize/service';
import { applyPolicy, DEFAULT_THRESHOLDS } from '../../server/reid/thresholds';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-anonymize-service-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('anonymizeCsv', () => {
  it('reports progress through its phases, never going back, ending at 1', async () => {
    const file = path.join(dir, 'adult.csv');
    await writeAdultCsv(file, 4000, 5);
    const seen: AnonymizeProgress[] = [];
    const quasi = ['age', 'zip', 'education', 'marital_status', 'race', 'country', 'workclass', 'occupation'];
    const report = await anonymizeCsv({
      file,
      quasi,
      hierarchies: adultHierarchies(),
      models: modelsFromThresholds(DEFAULT_THRESHOLDS, 0.02),
      out: path.join(dir, 'out.csv'),
      policy: applyPolicy(DEFAULT_THRESHOLDS, null),
      onProgress: (p) => seen.push(p),
    });
    expect(report.released).toBe(true);
    expect(report.after!.minClassSize).toBeGreaterThanOrEqual(5);
    const phases = [...new Set(seen.map((p) => p.phase))];
    expect(phases).toEqual(['reading', 'searching', 'writing', 'testing', 'done']);
    for (let i = 1; i < seen.length; i++) expect(seen[i].fraction).toBeGreaterThanOrEqual(seen[i - 1].fraction);
    expect(seen.at(-1)).toEqual({ phase: 'done', fraction: 1 });
  });

  it('derives the models from a release kind: k, the highest risk and the risk threshold, ℓ and t', () => {
    expect(
      modelsFromThresholds(
        { k: 20, maxProsecutorRisk: 0.05, riskThreshold: 0.05, maxRecordsAtRisk: 0, l: 3, t: 0.2 },
        0.01,
      ),
    ).toEqual({
      k: 20,
      highestRisk: 0.05,
      l: { variant: 'distinct', l: 3 },
      t: 0.2,
      maxSuppression: 0.01,
    });
  });
});

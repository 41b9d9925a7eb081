// The engine and the release gate judge t-closeness by the same distance (issue 16): the gate uses
// the ordered distance for a numeric sensitive attribute (server/reid/thresholds), so the engine
// must too. The equal distance is never smaller than the ordered one, so an engine judging by it
// generalized more than the policy asks: here zip could stay as it is (ordered t = 1/3 ≤ 0.4) but
// the equal distance (0.5) made the engine star it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anonymizeCsv } from '../../server/anonymize/service';
import { applyPolicy, DEFAULT_THRESHOLDS } from '../../server/reid/thresholds';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-anonymize-t-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Two classes of ten records: 10115 earns 1 or 2, 10117 earns 3 or 4 (five each); overall uniform.
function csv(values: [string, string, string, string]): string {
  const rows = ['zip,salary'];
  for (const [zip, a, b] of [
    ['10115', values[0], values[1]],
    ['10117', values[2], values[3]],
  ]) {
    for (let i = 0; i < 5; i++) rows.push(`${zip},${a}`, `${zip},${b}`);
  }
  return rows.join('\n') + '\n';
}

const thresholds = {
  ...DEFAULT_THRESHOLDS,
  k: 2,
  t: 0.4,
  maxProsecutorRisk: 0.5,
  riskThreshold: 0.5,
  maxRecordsAtRisk: 1,
};

async function run(name: string, values: [string, string, string, string]) {
  const file = path.join(dir, `${name}.csv`);
  fs.writeFileSync(file, csv(values));
  return anonymizeCsv({
    file,
    quasi: ['zip'],
    sensitive: ['salary'],
    hierarchies: { zip: { rule: { kind: 'mask', digits: [5] } } },
    models: { k: 2, t: 0.4, maxSuppression: 0 },
    out: path.join(dir, `${name}.out.csv`),
    policy: applyPolicy(thresholds, null),
  });
}

describe('t-closeness: engine and release gate', () => {
  it('a numeric sensitive attribute is judged by the ordered distance, as the gate does: zip stays unchanged and the output passes', async () => {
    const report = await run('numeric', ['1', '2', '3', '4']);
    expect(report.after!.sensitive.salary.orderedTCloseness).toBeCloseTo(1 / 3, 10);
    expect(report.after!.sensitive.salary.tCloseness).toBeCloseTo(0.5, 10);
    expect(report.levels).toEqual({ zip: 0 });
    expect(report.released).toBe(true);
    expect(report.before!.passed).toBe(true); // the gate already accepted the source as it was
  });

  it('a non-numeric sensitive attribute keeps the equal distance on both sides: zip is generalized', async () => {
    const report = await run('text', ['a', 'b', 'c', 'd']);
    expect(report.before!.sensitive.salary.orderedTCloseness).toBeNull();
    expect(report.before!.passed).toBe(false);
    expect(report.levels).toEqual({ zip: 1 });
    expect(report.released).toBe(true);
  });
});

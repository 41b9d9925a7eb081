// The import boundaries of eslint.config.js, checked on virtual files linted with the project's
// own configuration: if a rule is weakened or a zone dropped, these fail.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.filter((m) => m.ruleId === 'import/no-restricted-paths').map((m) => m.message);
}

describe('import boundaries (eslint.config.js)', () => {
  it('an engine importing an area is reported', async () => {
    const errors = await boundaryErrors(
      'server/erasure/boundary-fixture.ts',
      "import { createRequestService } from '../requests/service';\nexport const x = createRequestService;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('an engine imports no area code');
  });

  it('an engine importing HTTP code is reported', async () => {
    const errors = await boundaryErrors(
      'server/policies/boundary-fixture.ts',
      "import { declare } from '../http/guard';\nexport const x = declare;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('an engine imports no HTTP code');
  });

  it('the re-identification metrics importing the reid area around them is reported', async () => {
    const leaking = await boundaryErrors(
      'server/reid/metrics.ts',
      "import { reidRoutes } from './routes';\nexport const x = reidRoutes;\n",
    );
    expect(leaking.some((m) => m.includes('re-identification metrics'))).toBe(true);
  });

  it('a job importing HTTP code is reported', async () => {
    const errors = await boundaryErrors(
      'jobs/boundary-fixture.ts',
      "import { purgeRateLimits } from '../server/http/rate-limit';\nexport const x = purgeRateLimits;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('a job imports no HTTP code');
  });

  it('a service importing jobs/ is reported (services enqueue through deps.jobs)', async () => {
    const errors = await boundaryErrors(
      'server/reports/boundary-fixture.ts',
      "import { enqueue } from '../../jobs/job';\nexport const x = enqueue;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('deps.jobs');
  });

  it("an area's descriptor may register its jobs", async () => {
    const errors = await boundaryErrors(
      'server/reports/area.ts',
      "import { reportJob } from '../../jobs/report';\nexport const x = reportJob;\n",
    );
    expect(errors).toEqual([]);
  });

  it("an area importing another area's internals is reported, its public surface is not", async () => {
    const internal = await boundaryErrors(
      'server/reports/boundary-fixture.ts',
      "import { artefact } from '../requests/queries';\nexport const x = artefact;\n",
    );
    expect(internal).toHaveLength(1);
    expect(internal[0]).toContain("areas import only each other's public surface");
    const surface = await boundaryErrors(
      'server/reports/boundary-fixture.ts',
      "import { primaryIdentity } from '../requests';\nimport { createRequestService } from '../requests/service';\nexport const x = [primaryIdentity, createRequestService];\n",
    );
    expect(surface).toEqual([]);
  });

  it('an area may use an engine and the HTTP layer', async () => {
    const errors = await boundaryErrors(
      'server/requests/boundary-fixture.ts',
      "import { planRequest } from '../erasure/plan';\nimport { declare } from '../http/guard';\nimport { analyseCsv } from '../reid/analyse';\nexport const x = [planRequest, declare, analyseCsv];\n",
    );
    expect(errors).toEqual([]);
  });

  it('reading process.env outside server/config.ts is reported', async () => {
    const [result] = await eslint.lintText('export const url = process.env.DATABASE_URL;\n', {
      filePath: path.join(root, 'server/requests/boundary-fixture.ts'),
    });
    expect(result.messages.map((m) => m.ruleId)).toContain('no-restricted-properties');
    const [config] = await eslint.lintText('export const url = process.env.DATABASE_URL;\n', {
      filePath: path.join(root, 'server/config.ts'),
    });
    expect(config.messages.filter((m) => m.ruleId === 'no-restricted-properties')).toEqual([]);
  });
});

// "At risk" is a policy setting (retention.yaml `requests.at_risk_days`, default 7 days, defined
// once in server/requests/deadlines.ts): the dashboard, the request list, the API and the
// overdue_requests audit all follow the bundle. Two apps on the same requests: the shipped bundle
// and a copy that sets 3 days.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, POLICIES_DIR, signIn, type TestApp } from '../support/app';
import { loadBundle } from '../../server/policies/bundle';
import { formatProblem } from '../../server/policies/yaml-source';
import { atRiskDays, DEFAULT_AT_RISK_DAYS } from '../../server/requests/deadlines';
import { createRequestService } from '../../server/requests/service';
import { overdueRequests } from '../../server/audits/kinds/overdue-requests';
import type { AuditContext } from '../../server/audits/types';

const DAY = 86_400_000;
const dirs: string[] = [];

/** A copy of the shipped bundle with `requests:` appended to retention.yaml. */
async function bundleWith(requests: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lethe-at-risk-'));
  dirs.push(dir);
  await cp(POLICIES_DIR, dir, { recursive: true });
  const file = path.join(dir, 'retention.yaml');
  await writeFile(file, `${await readFile(file, 'utf8')}\nrequests:\n${requests}`);
  return dir;
}

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the at-risk setting in the policy bundle', () => {
  it('defaults to 7 days when the bundle sets none', async () => {
    const shipped = await loadBundle(POLICIES_DIR);
    expect(shipped.ok).toBe(true);
    if (!shipped.ok) return;
    expect(shipped.bundle.retention.requests).toBeUndefined();
    expect(DEFAULT_AT_RISK_DAYS).toBe(7);
    expect(atRiskDays(shipped.bundle)).toBe(7);
  });

  it('reads a whole number of days and refuses anything else, pointing at the value', async () => {
    const three = await loadBundle(await bundleWith('  at_risk_days: 3\n'));
    expect(three.ok && atRiskDays(three.bundle)).toBe(3);
    for (const bad of ['0', '2.5', 'a week', '400']) {
      const result = await loadBundle(await bundleWith(`  at_risk_days: ${bad}\n`));
      expect(result.ok, bad).toBe(false);
      if (result.ok) continue;
      expect(result.problems.map(formatProblem), bad).toEqual([
        expect.stringMatching(/^retention\.yaml:\d+:\d+: requests\.at_risk_days: /),
      ]);
    }
    const unknown = await loadBundle(await bundleWith('  at_risk_weeks: 1\n'));
    expect(!unknown.ok && unknown.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/requests: missing required key "at_risk_days"/),
      expect.stringMatching(/requests: unknown key "at_risk_weeks"/),
    ]);
  });
});

describe('what the dashboard, the request list, the API and the audit call at risk', () => {
  let shipped: TestApp;
  let threeDays: TestApp;
  const ids: Record<string, Record<'soon' | 'fiveDays' | 'later', string>> = {};

  // LGPD gives 15 days: received 13 days ago is due in 2–3 days, 10 days ago in 5–6 days, today in 15.
  async function seed(t: TestApp, key: string) {
    const service = createRequestService(t.deps);
    const who = { kind: 'user' as const, id: 'user:at-risk-test', role: 'compliance_officer', name: 'x' };
    const make = (email: string, reference: string, daysAgo: number) =>
      service
        .create(
          { type: 'access', regulation: 'lgpd', identity: { email }, reference },
          who,
          new Date(Date.now() - daysAgo * DAY),
        )
        .then((r) => r.id);
    ids[key] = {
      soon: await make('soon@example.com', 'due-soon', 13),
      fiveDays: await make('five@example.com', 'due-in-five', 10),
      later: await make('later@example.com', 'due-later', 0),
    };
  }

  beforeAll(async () => {
    [shipped, threeDays] = await Promise.all([
      createTestApp(),
      bundleWith('  at_risk_days: 3\n').then((dir) => createTestApp({ policiesDir: dir })),
    ]);
    await seed(shipped, 'shipped');
    await seed(threeDays, 'three');
  }, 180_000);
  afterAll(async () => {
    await shipped?.close();
    await threeDays?.close();
  });

  it('the dashboard counts requests due within the bundle window', async () => {
    const a = await signIn(shipped, 'compliance_officer');
    expect((await a.agent.get('/')).text).toContain('0 overdue, 2 due within 7 days, 0 needing attention.');
    const b = await signIn(threeDays, 'compliance_officer');
    const page = (await b.agent.get('/')).text;
    expect(page).toContain('0 overdue, 1 due within 3 days, 0 needing attention.');
    expect(page).toContain(`/requests/${ids.three.soon}`);
    expect(page).not.toContain(`/requests/${ids.three.fiveDays}`);
  });

  it('the request list marks the same requests at risk', async () => {
    const urgencies = async (t: TestApp) => {
      const page = (await (await signIn(t, 'compliance_officer')).agent.get('/requests')).text;
      return Object.fromEntries(
        page
          .split('data-testid="request-row"')
          .slice(1)
          .map((row) => [
            /<span class="muted">([a-z-]+)<\/span>/.exec(row)![1],
            /status-(at_risk|ok|overdue)" data-testid="countdown"/.exec(row)![1],
          ]),
      );
    };
    expect(await urgencies(shipped)).toEqual({ 'due-soon': 'at_risk', 'due-in-five': 'at_risk', 'due-later': 'ok' });
    expect(await urgencies(threeDays)).toEqual({ 'due-soon': 'at_risk', 'due-in-five': 'ok', 'due-later': 'ok' });
  });

  it('the API reports the same urgency', async () => {
    const urgency = async (t: TestApp, id: string) =>
      (
        await request(t.app)
          .get(`/api/v1/requests/${id}`)
          .set('Authorization', `Bearer ${await apiToken(t, 'compliance_officer')}`)
          .expect(200)
      ).body.urgency;
    expect(await urgency(shipped, ids.shipped.fiveDays)).toBe('at_risk');
    expect(await urgency(threeDays, ids.three.fiveDays)).toBe('ok');
    expect(await urgency(threeDays, ids.three.soon)).toBe('at_risk');
  });

  it('the overdue_requests audit lists the same requests at risk', async () => {
    const atRisk = async (t: TestApp) =>
      ((await overdueRequests.run({ deps: t.deps } as AuditContext)).summary.atRisk as { id: string }[])
        .map((r) => r.id)
        .sort();
    expect(await atRisk(shipped)).toEqual([ids.shipped.soon, ids.shipped.fiveDays].sort());
    expect(await atRisk(threeDays)).toEqual([ids.three.soon]);
  });
});

// The demo's training snapshot, tested as a new user would: most rows are unique on birth date and
// postal code. The page, the PDF, the API answer and the stored result must show no raw combination
// of any class below k, and every generalized combination shown must match at least k records of
// the raw data. Raw values are shown only to a role the access policy grants reid_run:reveal, audited.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, POLICIES_DIR, signIn, type SignedIn, binaryBody } from '../support/app';
import { createDemoApp, sql, until, type DemoApp } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { SUPPRESSED } from '../../server/reid/generalize';
import { DEMO_CUSTOMERS } from '../../server/demo/data';
import type { RiskyClass } from '../../server/reid/types';

const DATASET = 'assistant.training_snapshot_2026_10';
let t: DemoApp;
let workers: RunningWorkers;
let steward: SignedIn;
let officer: SignedIn;
let policiesDir: string;
let runId: string;
let k: number;
let raw: { birth_date: string; postal_code: string }[];

beforeAll(async () => {
  // The stock policies plus one rule: compliance officers may reveal raw values (by default no role may).
  policiesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-reveal-policies-'));
  fs.cpSync(POLICIES_DIR, policiesDir, { recursive: true });
  const accessFile = path.join(policiesDir, 'access.yaml');
  const rule =
    '  - role: compliance_officer\n    resource: reid_run\n    actions: [reveal]\n    reason: Test only - an officer checks a flagged class against the source.\n';
  fs.writeFileSync(accessFile, fs.readFileSync(accessFile, 'utf8').replace(/^rules:\n/m, `rules:\n${rule}`));
  t = await createDemoApp({ customers: DEMO_CUSTOMERS, policiesDir });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  steward = await signIn(t, 'data_steward');
  officer = await signIn(t, 'compliance_officer');
  raw = await sql(
    t.urls.assistant,
    "SELECT to_char(birth_date, 'YYYY-MM-DD') AS birth_date, postal_code FROM training_snapshot_2026_10",
  );
  const token = await apiToken(t, 'data_steward');
  const created = await request(t.app)
    .post('/api/v1/reid/runs')
    .set('authorization', `Bearer ${token}`)
    .send({ table: DATASET });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  runId = created.body.id;
  const row = await until(
    async () => {
      const r = await t.deps.db('reid_runs').where({ id: runId }).first();
      return r && ['done', 'failed'].includes(r.status) ? r : null;
    },
    60_000,
    'the snapshot run',
  );
  expect(row.error).toBeNull();
  k = row.result.policy.thresholds.k;
}, 180_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
  if (policiesDir) fs.rmSync(policiesDir, { recursive: true, force: true });
});

/** Sizes of the raw classes, keyed by "birth_date|postal_code". */
function rawClasses(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of raw) m.set(`${r.birth_date}|${r.postal_code}`, (m.get(`${r.birth_date}|${r.postal_code}`) ?? 0) + 1);
  return m;
}

/** Raw rows matching a shown combination: `*` is any value, a year or decade range a date prefix, `8033*` a postal prefix. */
function matching(c: RiskyClass): number {
  const date = (shown: string, v: string) =>
    shown === SUPPRESSED ||
    shown === v ||
    (/^\d{4}$/.test(shown) && v.startsWith(shown)) ||
    (/^\d{3}0–\d{3}9$/.test(shown) && v.startsWith(shown.slice(0, 3)));
  const postal = (shown: string, v: string) =>
    shown === SUPPRESSED ||
    shown === v ||
    (shown.includes('*') && shown.length === v.length && v.startsWith(shown.replace(/\*+$/, '')));
  return raw.filter((r) => date(c.values.birth_date, r.birth_date) && postal(c.values.postal_code, r.postal_code))
    .length;
}

function pdfText(pdf: Buffer): string {
  const file = path.join(os.tmpdir(), `reid-${runId}-${process.pid}.pdf`);
  fs.writeFileSync(file, pdf);
  try {
    return execFileSync('pdftotext', ['-layout', file, '-']).toString('utf8');
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const binary = (res: request.Response) => res.body as Buffer;
const asBuffer = (req: request.Test) => req.buffer(true).parse(binaryBody);

describe("the demo training snapshot's re-identification report", () => {
  it('fails k on birth date and postal code, the quasi-identifiers the data map names', async () => {
    const row = await t.deps.db('reid_runs').where({ id: runId }).first();
    expect(row.result.quasiIdentifiers).toEqual(['birth_date', 'postal_code']);
    expect(row.passed).toBe(false);
    const below = [...rawClasses().values()].filter((n) => n < k).length;
    expect(below).toBeGreaterThanOrEqual(10); // the report has ten classes below k to show
  });

  it('page, PDF, API answer and stored result hold no raw combination (nor birth date) of a class below k', async () => {
    const page = (await steward.agent.get(`/reid/runs/${runId}`)).text;
    const token = await apiToken(t, 'data_steward');
    const api = await request(t.app).get(`/api/v1/reid/runs/${runId}`).set('authorization', `Bearer ${token}`);
    const pdf = pdfText(binary(await asBuffer(steward.agent.get(`/reid/runs/${runId}/report.pdf`))));
    const stored = await t.deps.db('reid_runs').where({ id: runId }).first('result', 'report');
    const storedPdf = pdfText(stored.report);
    const outputs: Record<string, string> = {
      page,
      pdf,
      api: JSON.stringify(api.body),
      stored: JSON.stringify(stored.result),
      storedPdf,
    };

    expect(page).toContain('data-testid="riskiest-classes"');
    expect(api.body.outcome.riskiestClasses).toHaveLength(10);
    let checked = 0;
    for (const [key, size] of rawClasses()) {
      if (size >= k) continue;
      const [date, postal] = key.split('|');
      for (const [where, text] of Object.entries(outputs)) {
        expect(text, `${where} holds the birth date ${date} of a class of ${size}`).not.toContain(date);
        expect(new RegExp(`\\b${postal}\\b`).test(text) && text.includes(date), `${where} holds ${key}`).toBe(false);
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(10);
    // What is shown instead: generalized values, the same in every output.
    for (const c of api.body.outcome.riskiestClasses as RiskyClass[]) {
      expect(c.generalized).toBe(true);
      expect(pdf.replace(/\s+/g, ' ')).toContain(
        `birth_date = ${c.values.birth_date === '' ? '(empty)' : c.values.birth_date}, postal_code = ${c.values.postal_code}`,
      );
    }
  });

  it('every generalized combination shown matches at least k records of the raw data, as many as it says', async () => {
    const row = await t.deps.db('reid_runs').where({ id: runId }).first('result');
    const shown = row.result.riskiestClasses as RiskyClass[];
    expect(shown.length).toBe(10);
    for (const c of shown) {
      const n = matching(c);
      expect(n, JSON.stringify(c)).toBe(c.records);
      expect(n, JSON.stringify(c)).toBeGreaterThanOrEqual(k);
      expect(c.size).toBeLessThan(k);
    }
    // Not everything collapsed to `*`: the report still says where the risk is.
    expect(shown.some((c) => c.values.birth_date !== SUPPRESSED || c.values.postal_code !== SUPPRESSED)).toBe(true);
  });

  it('raw values: refused without reid_run:reveal; shown and audited for a role the policy grants it', async () => {
    const denied = await steward.agent.get(`/reid/runs/${runId}/classes/raw`);
    expect(denied.status).toBe(403);
    expect((await steward.agent.get(`/reid/runs/${runId}`)).text).not.toContain('data-testid="reveal-link"');
    expect((await officer.agent.get(`/reid/runs/${runId}`)).text).toContain('data-testid="reveal-link"');
    const shown = await officer.agent.get(`/reid/runs/${runId}/classes/raw`);
    expect(shown.status).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    const smallest = [...rawClasses()].filter(([, n]) => n < k).map(([key]) => key.split('|')[0]);
    expect(smallest.some((date) => shown.text.includes(date))).toBe(true);
    const audit = await t.deps.db('audit_log').where({ action: 'reid_run.reveal', target: `reid_run:${runId}` });
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toBe(`user:${officer.userId}`);
    // Nothing of the reveal is stored: the run's result is still generalized.
    const row = await t.deps.db('reid_runs').where({ id: runId }).first('result');
    expect(JSON.stringify(row.result)).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestApp, type TestApp } from '../support/app';
import { cliRunner } from '../support/cli';
import { seedDemoUsers } from '../../server/demo/users';
import { seedDemoUseCases } from '../../server/use-cases/demo';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await seedDemoUsers(t.deps);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe('demo use cases and lethe use-case import', () => {
  it('the demo company has use cases at every stage: a high-risk CV screener, a limited-risk chatbot, a prohibited example rejected', async () => {
    await seedDemoUseCases(t.deps);
    const rows = await t.deps.db('use_cases').select('title', 'status', 'tier');
    expect(new Set(rows.map((r) => r.status))).toEqual(
      new Set(['draft', 'submitted', 'in_review', 'approved', 'approved_with_conditions', 'rejected', 'retired']),
    );
    expect(rows.find((r) => r.title.startsWith('CV screening'))).toMatchObject({ tier: 'high', status: 'in_review' });
    expect(rows.find((r) => r.title.startsWith('Support chatbot'))).toMatchObject({
      tier: 'limited',
      status: 'approved_with_conditions',
    });
    expect(rows.find((r) => r.title.startsWith('Agent mood'))).toMatchObject({
      tier: 'prohibited',
      status: 'rejected',
    });
    const chen = await t.deps.db('users').where({ email: 'chen.chair@northwind.example' }).first();
    expect(chen.role).toBe('board_chair');
  });

  it('imports a YAML list, classifying each entry; refuses the whole file when one entry is wrong', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-import-'));
    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(
      good,
      `- title: Credit limit scoring
  owner: olga.officer@northwind.example
  purpose: Sets credit limits for customers paying by invoice.
  datasets: [billing.invoices]
  answers: { uses_under_own_authority: true, creditworthiness: true }
  submit: true
- title: FAQ search
  owner: olga.officer@northwind.example
  purpose: Finds help-centre articles for a typed question.
  answers: { uses_under_own_authority: true }
`,
    );
    const run = cliRunner(t.env);
    const ok = await run(['use-case', 'import', good]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('2 use case(s) registered');
    const credit = await t.deps.db('use_cases').where({ title: 'Credit limit scoring' }).first();
    expect(credit).toMatchObject({ tier: 'high', status: 'submitted' });
    expect(credit.classification.requires.sort()).toEqual(['dpia', 'fria']);

    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      bad,
      `- title: Fine one\n  owner: olga.officer@northwind.example\n  purpose: A perfectly fine purpose.\n- title: Broken\n  owner: nobody@northwind.example\n  purpose: Owner does not exist here.\n`,
    );
    const refused = await run(['use-case', 'import', bad]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('entry 2 (Broken): owner: no user nobody@northwind.example');
    expect(await t.deps.db('use_cases').where({ title: 'Fine one' })).toHaveLength(0);
  });
});

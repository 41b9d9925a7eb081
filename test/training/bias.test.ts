import fs from 'node:fs';
import request from 'supertest';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, POLICIES_DIR, signIn, type SignedIn, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { releaseGate } from '../../server/training/bias-service';
import { createReidService } from '../../server/reid/service';

// A hiring dataset with a planted skew: region "south" has 10 % of the applicants against 20 % in
// the population table, and women are hired at 60 % of the men's rate.
const HR_MAP = `apiVersion: lethe/v1
kind: DataSystem
name: hr
description: Recruitment data used to train a CV-screening model.
connection_env: HR_DATABASE_URL
engine: postgres
datasets:
  - name: applicants
    kind: table
    description: Applicants with the hiring decision.
    primary_key: [id]
    columns:
      - { name: id, categories: [system.operations] }
      - { name: sex, categories: [user.demographic.gender] }
      - { name: region, categories: [user.demographic] }
      - { name: hired, categories: [system.operations] }
  - name: population
    kind: table
    description: The population the applicants come from (reference).
    primary_key: [id]
    columns:
      - { name: id, categories: [system.operations] }
      - { name: sex, categories: [user.demographic.gender] }
      - { name: region, categories: [user.demographic] }
`;

let t: TestApp;
let hr: TestDatabase;
let dir: string;
let steward: SignedIn;

beforeAll(async () => {
  hr = await createTestDatabase({ empty: true });
  await hr.db.raw(`CREATE TABLE applicants (id serial PRIMARY KEY, sex text, region text, hired boolean)`);
  await hr.db.raw(`CREATE TABLE population (id serial PRIMARY KEY, sex text, region text)`);
  // 1000 applicants: north 550, east 350, south 100; 450 women (81 hired = 18 %), 550 men (165 hired = 30 %).
  await hr.db.raw(`INSERT INTO applicants (sex, region, hired)
    SELECT CASE WHEN i <= 450 THEN 'f' ELSE 'm' END,
           CASE WHEN i % 20 < 11 THEN 'north' WHEN i % 20 < 18 THEN 'east' ELSE 'south' END,
           CASE WHEN i <= 450 THEN i <= 81 ELSE i <= 615 END
      FROM generate_series(1, 1000) i`);
  await hr.db.raw(`INSERT INTO population (sex, region)
    SELECT CASE WHEN i % 2 = 0 THEN 'f' ELSE 'm' END, CASE WHEN i % 10 < 5 THEN 'north' WHEN i % 10 < 8 THEN 'east' ELSE 'south' END FROM generate_series(1, 5000) i`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-bias-'));
  fs.cpSync(POLICIES_DIR, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'datamap/hr.yaml'), HR_MAP);
  const training = fs.readFileSync(path.join(dir, 'training.yaml'), 'utf8').replace(
    '  datasets: []',
    `  datasets:
    - dataset: hr.applicants
      attributes: [region, sex]
      reference_source: hr.population
      label: { column: hired, positive: true }
      use_case: cv_screening`,
  );
  fs.writeFileSync(path.join(dir, 'training.yaml'), training);
  t = await createTestApp({ policiesDir: dir, env: { HR_DATABASE_URL: hr.url } });
  steward = await signIn(t, 'data_steward');
  // The use-case registry names the dataset: a failed check links to it.
  await t.deps.db('use_cases').insert({
    title: 'CV screening assistant',
    owner_id: steward.userId,
    purpose: 'Rank applicants',
    created_by: `user:${steward.userId}`,
    datasets: JSON.stringify(['hr.applicants']),
  });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await hr?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = async (fields: Record<string, string>) =>
  steward.agent
    .post('/training/bias')
    .type('form')
    .send({ _csrf: await steward.csrf(), ...fields });

describe('bias and representation check', () => {
  it('POST /training/bias › a group at half its reference share fails with the group named, and the release is blocked with a link to the use case', async () => {
    const res = await run({ dataset: 'hr.applicants' });
    expect(res.status).toBe(303);
    const page = await steward.agent.get(res.headers.location);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="bias-verdict">Failed');
    expect(page.text).toMatch(/data-testid="most-under">south</);
    expect(page.text).toContain(
      'region=south is under-represented: 10.0 % of the records against 20.0 % in the reference (0.50× its share)',
    );
    const useCase = await t.deps.db('use_cases').where({ title: 'CV screening assistant' }).first('id');
    expect(page.text).toContain(`href="/use-cases/${useCase.id}" data-testid="use-case">CV screening assistant</a>`);
    const check = await t.deps.db('bias_checks').where({ dataset: 'hr.applicants' }).first();
    expect(check).toMatchObject({
      passed: false,
      reference: 'source:hr.population',
      use_case: 'cv_screening',
      bundle_hash: t.deps.policies.hash(),
    });
    const gate = await releaseGate(t.deps, 'hr.applicants');
    expect(gate.join(' ')).toContain(
      'the latest bias check of hr.applicants (consumed by use case CV screening assistant, cv_screening) failed: region=south is under-represented',
    );
    expect(
      await t.deps.db('audit_log').where({ action: 'training.bias.check', target: 'dataset:hr.applicants' }).first(),
    ).toBeDefined();
    const datasetPage = await steward.agent.get('/datasets/hr.applicants');
    expect(datasetPage.status).toBe(200);
    expect(datasetPage.text).toContain('data-testid="training-blockers"');
    expect(datasetPage.text).toContain(`href="${res.headers.location}" data-testid="latest-bias">failed</a>`);
  });

  it('a label rate that breaks the four-fifths rule fails with the groups and the ratio (reference uploaded)', async () => {
    // A reference that matches the applicants exactly: only the label rates can fail.
    const reference =
      'attribute,group,share\nregion,north,0.55\nregion,east,0.35\nregion,south,0.10\nsex,f,450\nsex,m,550';
    const res = await run({ dataset: 'hr.applicants', reference });
    expect(res.status).toBe(303);
    const check = await t.deps
      .db('bias_checks')
      .where({ dataset: 'hr.applicants' })
      .orderBy('created_at', 'desc')
      .first();
    expect(check.reference).toBe('uploaded');
    expect(check.result.representation.every((r: { passed: boolean }) => r.passed)).toBe(true);
    const sex = check.result.labels.find((l: { attribute: string }) => l.attribute === 'sex');
    expect(sex).toMatchObject({ passed: false, lowest: { group: 'f' }, highest: { group: 'm' } });
    expect(sex.ratio).toBeCloseTo(0.6, 6);
    expect(check.result.problems).toEqual([
      'sex=f has a positive-label rate of 18.0 % against 30.0 % for sex=m: disparate-impact ratio 0.60, below 0.8',
    ]);
    const page = await steward.agent.get(res.headers.location);
    expect(page.text).toMatch(/data-testid="di-ratio">0.60</);

    // The release of a dataset whose re-identification test passed is still refused.
    const [run0] = await t.deps
      .db('reid_runs')
      .insert({
        dataset: 'hr.applicants',
        source: 'postgres',
        release_kind: 'default',
        options: {},
        status: 'done',
        passed: true,
        requested_by: 'user:test',
      })
      .returning('id');
    await t.deps
      .db('datasets')
      .where({ name: 'hr.applicants' })
      .update({ release_status: 'releasable', last_run_id: run0.id });
    const refused = await createReidService(t.deps).release('hr.applicants', {
      kind: 'user',
      id: steward.userId,
      role: 'data_steward',
      name: 'Steward',
    });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toContain(
      'Release refused: the latest bias check of hr.applicants (consumed by use case CV screening assistant, cv_screening) failed: sex=f has a positive-label rate of 18.0 %',
    );
    expect((await t.deps.db('datasets').where({ name: 'hr.applicants' }).first()).release_status).toBe('releasable');
  });

  it('POST /training/bias › an uploaded reference that is not attribute,group,share is refused at its field', async () => {
    const res = await run({ dataset: 'hr.applicants', reference: 'region;north;0.5' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('href="#reference"');
    expect(res.text).toContain('region;north;0.5');
  });

  it('POST /api/v1/training/bias-checks › a pipeline runs the check with an uploaded reference; an ethics-board token may not', async () => {
    const token = await apiToken(t, 'data_steward');
    const res = await request(t.app)
      .post('/api/v1/training/bias-checks')
      .set('authorization', `Bearer ${token}`)
      .send({
        dataset: 'hr.applicants',
        reference: { region: { north: 0.5, east: 0.3, south: 0.2 }, sex: { f: 1, m: 1 } },
      });
    expect(res.status).toBe(201);
    expect(res.body.passed).toBe(false);
    expect(res.body.representation.find((r: { attribute: string }) => r.attribute === 'region').under.group).toBe(
      'south',
    );
    const bad = await request(t.app)
      .post('/api/v1/training/bias-checks')
      .set('authorization', `Bearer ${token}`)
      .send({ dataset: 'hr.applicants', reference: { region: { north: -1 } } });
    expect(bad.status).toBe(400);
    const board = await apiToken(t, 'ethics_board');
    expect(
      (
        await request(t.app)
          .post('/api/v1/training/bias-checks')
          .set('authorization', `Bearer ${board}`)
          .send({ dataset: 'hr.applicants' })
      ).status,
    ).toBe(403);
  });
});

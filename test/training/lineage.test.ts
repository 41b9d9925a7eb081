import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { apiToken, freshTotp, signIn, type SignedIn } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createDemoApp, sql, until, type DemoApp } from '../requests/support';

const SNAPSHOT = 'assistant.training_snapshot_2026_10';
let t: DemoApp;
let workers: RunningWorkers;
let steward: SignedIn;
let alice: SignedIn;
let bob: SignedIn;

beforeAll(async () => {
  t = await createDemoApp();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  steward = await signIn(t, 'data_steward');
  alice = await signIn(t, 'compliance_officer');
  bob = await signIn(t, 'compliance_officer');
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await t?.close();
});

const edgesOf = (html: string) =>
  [...html.matchAll(/class="lineage-edge" data-from="([^"]+)" data-to="([^"]+)"/g)]
    .map((m) => `${m[1]} -> ${m[2]}`)
    .sort();
const svgOf = (html: string) => /<svg[^>]*data-testid="lineage-svg"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';

describe('lineage of the demo training snapshot', () => {
  it("GET /datasets/:name › draws the data map's lineage before any build: sources, the snapshot and the model trained on it", async () => {
    const page = await steward.agent.get(`/datasets/${SNAPSHOT}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="lineage"');
    expect(edgesOf(page.text)).toEqual(
      [
        `${SNAPSHOT} -> model:support-assistant-v3`,
        `assistant.prompt_logs -> ${SNAPSHOT}`,
        `support.tickets -> ${SNAPSHOT}`,
      ].sort(),
    );
    expect(svgOf(page.text)).not.toContain('<script');
  });

  it('after a build, the graph runs through the consent filter of that version, with its job and bundle hash', async () => {
    const built = await steward.agent
      .post(`/training/snapshots/${SNAPSHOT}/build`)
      .type('form')
      .send({ _csrf: await steward.csrf() });
    expect(built.status).toBe(303);
    const version = await t.deps.db('dataset_versions').where({ dataset: SNAPSHOT, status: 'built' }).first();
    expect(version).toMatchObject({
      version: 1,
      bundle_hash: t.deps.policies.hash(),
      started_by: expect.stringMatching(/^user:/),
    });
    const page = await steward.agent.get(`/datasets/${SNAPSHOT}`);
    const filter = `build:${version.id}`;
    expect(edgesOf(page.text)).toEqual(
      [
        `${SNAPSHOT} -> model:support-assistant-v3`,
        `${filter} -> ${SNAPSHOT}`,
        `assistant.prompt_logs -> ${filter}`,
        `support.tickets -> ${filter}`,
      ].sort(),
    );
    expect(page.text).toContain(version.job_id);
    expect(page.text).toContain(t.deps.policies.hash().slice(0, 12));
    expect(svgOf(page.text)).toContain('consent filter: model_training');
    const [{ n }] = await sql<{ n: string }>(t.urls.support, 'SELECT count(*) AS n FROM tickets');
    expect(svgOf(page.text)).toContain(`${n} rows read`);
    const token = await apiToken(t, 'auditor');
    const api = await request(t.app)
      .get(`/api/v1/datasets/${SNAPSHOT}/lineage`)
      .set('authorization', `Bearer ${token}`);
    expect(api.status).toBe(200);
    expect(api.body.version).toMatchObject({
      id: version.id,
      version: 1,
      bundleHash: t.deps.policies.hash(),
      consentFilter: { purpose: 'model_training' },
    });
    expect(api.body.edges.map((e: { from: string; to: string }) => `${e.from} -> ${e.to}`).sort()).toEqual(
      edgesOf(page.text),
    );
    // The training page lists the version and links into the lineage.
    const training = await steward.agent.get('/training');
    expect(training.text).toContain(`href="/datasets/${SNAPSHOT}#lineage"`);
  });

  it("an erasure's tainted-snapshot link points into the lineage graph, which marks the snapshot tainted", async () => {
    const [s] = await sql<{ customer_id: string }>(
      t.urls.assistant,
      'SELECT customer_id FROM training_snapshot_2026_10 WHERE customer_id IS NOT NULL ORDER BY customer_id LIMIT 1',
    );
    const [c] = await sql<{ email: string }>(t.urls.crm, 'SELECT email FROM customers WHERE id = $1', [s.customer_id]);
    const res = await alice.agent
      .post('/requests')
      .type('form')
      .send({ _csrf: await alice.csrf(), type: 'erasure', regulation: 'gdpr', email: c.email });
    const id = res.headers.location.split('/').pop()!;
    await alice.agent
      .post(`/requests/${id}/verify`)
      .type('form')
      .send({ _csrf: await alice.csrf(), method: 'email_link', evidence: 'Link clicked' });
    await bob.agent
      .post(`/requests/${id}/approve`)
      .type('form')
      .send({ _csrf: await bob.csrf(), code: await freshTotp(t, bob.userId) });
    await until(
      async () =>
        ['completed', 'part_held', 'needs_attention'].includes(
          (await t.deps.db('requests').where({ id }).first()).status,
        ),
      60_000,
      'erasure',
    );
    const request = await alice.agent.get(`/requests/${id}`);
    expect(request.text).toContain(`href="/datasets/${SNAPSHOT}#lineage" data-testid="tainted-lineage"`);
    const page = await alice.agent.get(`/datasets/${SNAPSHOT}`);
    expect(page.text).toMatch(new RegExp(`data-node="${SNAPSHOT.replace('.', '\\.')}" data-tainted="true"`));
  });
});

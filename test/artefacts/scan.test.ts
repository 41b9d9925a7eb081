// The artefact scan: a demo-like run (an erasure, an access export, a re-identification test of the
// training snapshot and of an uploaded CSV, their reports, a board packet), then every artefact Lethe produced —
// its tables' rows, stored PDFs and packages, Redis job data, log output, the pages, PDFs, exports
// and API answers it served — is searched for the subjects' identifiers and the birth dates of the
// snapshot's classes below k. Anything found outside the allow-list (docs/decisions.md) fails with
// where it was found. The last test switches one redaction off and shows the scan catching it.
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, freshTotp, signIn, type SignedIn, binaryBody } from '../support/app';
import { createDemoApp, sql, until, type DemoApp } from '../requests/support';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createLogger } from '../../server/logger';
import { setGeneralizationForTest } from '../../server/reid/generalize';
import { selectThresholds } from '../../server/reid/thresholds';
import { postRun, runIdFrom } from '../reid-ui/support';
import {
  collectDatabase,
  collectRedis,
  describeFindings,
  httpArtefact,
  logArtefact,
  scan,
  type AllowRule,
  type Artefact,
  type Needle,
} from '../support/artefacts/collect';
import { accessPackage } from '../support/artefacts/allow-list';

interface Customer {
  id: number;
  email: string;
  full_name: string;
  phone: string | null;
}

const SNAPSHOT = 'assistant.training_snapshot_2026_10';
const UPLOADED_EMAIL = 'planted.upload@example.net';
const UPLOADED_DATES = ['1961-02-03', '1972-04-05', '1983-06-07'];

let t: DemoApp;
let workers: RunningWorkers;
let officerA: SignedIn;
let officerB: SignedIn;
let steward: SignedIn;
const logLines: string[] = [];
const served: Artefact[] = [];
let erased: Customer;
let accessed: Customer;
let accessRequestId: string;
let snapshotNeedles: Needle[] = [];

const binary = (req: request.Test) => req.buffer(true).parse(binaryBody);

/** GET as the given agent (or API token), keeping the answer as an artefact. */
async function served_(where: string, get: () => request.Test, asBytes = false): Promise<request.Response> {
  const res = await (asBytes ? binary(get()) : get());
  expect(res.status, `${where}: ${String(res.text ?? '').slice(0, 200)}`).toBe(200);
  served.push(httpArtefact(`GET ${where}`, asBytes ? (res.body as Buffer) : res.text));
  return res;
}

const runDone = (id: string) =>
  until(
    async () => {
      const r = await t.deps.db('reid_runs').where({ id }).first('status', 'error');
      return r && ['done', 'failed'].includes(r.status) ? r : null;
    },
    60_000,
    `re-identification run ${id}`,
  );

async function snapshotRun(token: string): Promise<string> {
  const created = await request(t.app)
    .post('/api/v1/reid/runs')
    .set('authorization', `Bearer ${token}`)
    .send({ table: SNAPSHOT });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const row = await runDone(created.body.id);
  expect(row.error).toBeNull();
  return created.body.id as string;
}

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  t = await createDemoApp({ customers: 300, logger: createLogger('debug', 'lethe', sink) });
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  [officerA, officerB, steward] = [
    await signIn(t, 'compliance_officer'),
    await signIn(t, 'compliance_officer'),
    await signIn(t, 'data_steward'),
  ];
  [erased, accessed] = await sql<Customer>(
    t.urls.crm,
    'SELECT id::int, email, full_name, phone FROM customers WHERE id IN (3, 40) ORDER BY id',
  );

  // Birth dates of the snapshot's classes below k (k of the training_snapshot release kind), per customer.
  const k = selectThresholds(t.deps.policies.current().reid, 'training_snapshot').k;
  const rows = await sql<{ customer_id: number; birth_date: string; postal_code: string }>(
    t.urls.assistant,
    "SELECT customer_id::int, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, postal_code FROM training_snapshot_2026_10",
  );
  const sizes = new Map<string, number>();
  for (const r of rows)
    sizes.set(`${r.birth_date}|${r.postal_code}`, (sizes.get(`${r.birth_date}|${r.postal_code}`) ?? 0) + 1);
  const accessedDob = rows.find((r) => r.customer_id === accessed.id)?.birth_date;
  snapshotNeedles = rows
    .filter((r) => sizes.get(`${r.birth_date}|${r.postal_code}`)! < k && r.birth_date !== accessedDob)
    .map((r) => ({
      value: r.birth_date,
      label: 'birth date of a class below k in the training snapshot',
      subject: `snapshot:${r.customer_id}`,
    }));

  // 1. An erasure through the pages: submitted by one officer, approved by another, certificate downloaded.
  let res = await officerA.agent
    .post('/requests')
    .type('form')
    .send({
      _csrf: await officerA.csrf(),
      type: 'erasure',
      regulation: 'gdpr',
      email: erased.email,
      reference: 'SCAN-1',
    });
  expect(res.status).toBe(303);
  const erasureId = res.headers.location.split('/').pop()!;
  res = await officerA.agent
    .post(`/requests/${erasureId}/verify`)
    .type('form')
    .send({ _csrf: await officerA.csrf(), method: 'email_link', evidence: 'Link clicked from the address on file' });
  expect(res.status).toBe(303);
  await served_(`/requests/${erasureId}/preview`, () => officerB.agent.get(`/requests/${erasureId}/preview`));
  res = await officerB.agent
    .post(`/requests/${erasureId}/approve`)
    .type('form')
    .send({ _csrf: await officerB.csrf(), code: await freshTotp(t, officerB.userId) });
  expect(res.status).toBe(303);
  await until(
    async () =>
      ['completed', 'part_held', 'needs_attention'].includes(
        (await t.deps.db('requests').where({ id: erasureId }).first('status')).status,
      ),
    90_000,
    'erasure',
  );
  await served_(`/requests/${erasureId}`, () => officerA.agent.get(`/requests/${erasureId}`));
  await served_(
    `/requests/${erasureId}/certificate.pdf`,
    () => officerA.agent.get(`/requests/${erasureId}/certificate.pdf`),
    true,
  );
  await served_('/requests', () => officerA.agent.get('/requests'));

  // 2. An access request through the API, its package downloaded.
  const [a, b] = [await apiToken(t, 'compliance_officer'), await apiToken(t, 'compliance_officer')];
  const api = (tok: string) => ({
    post: (p: string, body: object = {}) =>
      request(t.app).post(`/api/v1${p}`).set('authorization', `Bearer ${tok}`).send(body),
    get: (p: string) => request(t.app).get(`/api/v1${p}`).set('authorization', `Bearer ${tok}`),
  });
  const created = await api(a).post('/requests', {
    type: 'access',
    regulation: 'gdpr',
    identity: { email: accessed.email },
  });
  expect(created.status).toBe(201);
  accessRequestId = created.body.id;
  expect(
    (
      await api(a).post(`/requests/${accessRequestId}/verify`, {
        method: 'account_login',
        evidence: 'Signed-in session',
      })
    ).status,
  ).toBe(200);
  expect((await api(b).post(`/requests/${accessRequestId}/approve`)).status).toBe(200);
  await until(
    async () => (await api(a).get(`/requests/${accessRequestId}`)).body.status === 'completed',
    90_000,
    'access export',
  );
  await served_(`/api/v1/requests/${accessRequestId}`, () => api(a).get(`/requests/${accessRequestId}`));
  await served_(
    `/api/v1/requests/${accessRequestId}/export`,
    () => api(a).get(`/requests/${accessRequestId}/export`),
    true,
  );

  // 3. Re-identification: the demo's training snapshot (API) and an uploaded CSV (form), with reports.
  const stewardToken = await apiToken(t, 'data_steward');
  const snapshotId = await snapshotRun(stewardToken);
  await served_(`/api/v1/reid/runs/${snapshotId}`, () =>
    request(t.app).get(`/api/v1/reid/runs/${snapshotId}`).set('authorization', `Bearer ${stewardToken}`),
  );
  await served_(`/reid/runs/${snapshotId}`, () => steward.agent.get(`/reid/runs/${snapshotId}`));
  await served_(
    `/reid/runs/${snapshotId}/report.pdf`,
    () => steward.agent.get(`/reid/runs/${snapshotId}/report.pdf`),
    true,
  );
  await served_(`/datasets/${SNAPSHOT}`, () => steward.agent.get(`/datasets/${SNAPSHOT}`));

  const csv = [
    'birth_date,postal_code,contact',
    ...UPLOADED_DATES.map((d, i) => `${d},1011${i},${i === 0 ? UPLOADED_EMAIL : 'none'}`),
    ...Array(8).fill('1990-01-01,10115,none'),
  ].join('\n');
  res = await postRun(steward.agent, {
    csrf: await steward.csrf(),
    source: 'csv',
    dataset: 'scan_upload',
    delimiter: 'auto',
    quasi: 'birth_date, postal_code',
    sensitive: '',
    kind: '',
    file: { content: csv, name: 'planted.csv' },
  });
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  const uploadId = runIdFrom(res.headers.location);
  expect((await runDone(uploadId)).status).toBe('done');
  await served_(`/reid/runs/${uploadId}`, () => steward.agent.get(`/reid/runs/${uploadId}`));
  await served_(
    `/reid/runs/${uploadId}/report.pdf`,
    () => steward.agent.get(`/reid/runs/${uploadId}/report.pdf`),
    true,
  );

  // 4. A board packet (issue 17's report), prepared by its job and downloaded.
  res = await officerA.agent
    .post('/use-cases/packets')
    .type('form')
    .send({ _csrf: await officerA.csrf(), meetingOn: '2026-12-15' });
  expect(res.status, res.text?.slice(0, 300)).toBe(303);
  const packet = (await until(
    () => t.deps.db('board_packets').where({ status: 'done' }).first('id'),
    60_000,
    'the board packet',
  )) as { id: string };
  await served_(
    `/use-cases/packets/${packet.id}/packet.pdf`,
    () => officerA.agent.get(`/use-cases/packets/${packet.id}/packet.pdf`),
    true,
  );

  // 5. Where it all shows up for the people who run Lethe.
  await served_('/', () => officerA.agent.get('/'));
  await served_('/audit-log', () => officerA.agent.get('/audit-log'));
  const auditor = await signIn(t, 'auditor');
  await served_('/audit-log.csv', () => auditor.agent.get('/audit-log.csv'), true);

  // 5. Signed reports over the period of the flows above (issue 14): stored bytes and downloads.
  const reportToken = await apiToken(t, 'auditor');
  const day = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  for (const kind of ['quarterly', 'audit_log']) {
    const order = await request(t.app)
      .post('/api/v1/reports')
      .set('authorization', `Bearer ${reportToken}`)
      .send({ kind, from: day(-90), to: day(1) });
    expect(order.status).toBe(202);
    await until(
      async () => (await t.deps.db('reports').where({ id: order.body.id }).first('status')).status === 'done',
      90_000,
      `${kind} report`,
    );
    await served_(`/reports/${order.body.id}/pdf`, () => auditor.agent.get(`/reports/${order.body.id}/pdf`), true);
  }
}, 300_000);

afterAll(async () => {
  setGeneralizationForTest(true);
  await workers?.close();
  await t?.close();
});

function needles(): Needle[] {
  const of = (c: Customer, who: string): Needle[] =>
    [
      { value: c.email, label: `email of the ${who}` },
      { value: c.full_name, label: `name of the ${who}` },
      ...(c.phone ? [{ value: c.phone, label: `phone number of the ${who}` }] : []),
    ].map((n) => ({ ...n, subject: `customer:${c.id}` }));
  return [
    ...of(erased, 'erased subject'),
    ...of(accessed, 'subject of the access request'),
    { value: UPLOADED_EMAIL, label: 'email in an uploaded dataset', subject: 'upload' },
    ...UPLOADED_DATES.map((d) => ({
      value: d,
      label: 'birth date of a unique record in an uploaded dataset',
      subject: 'upload',
    })),
    ...snapshotNeedles,
  ];
}

async function collect(): Promise<Artefact[]> {
  return [
    ...(await collectDatabase(t.deps.db)),
    ...(await collectRedis(String(t.env.REDIS_URL), String(t.env.LETHE_QUEUE_PREFIX))),
    logArtefact(logLines.join('')),
    ...served,
  ];
}

const allowList = (): AllowRule[] =>
  accessPackage(accessRequestId, `customer:${accessed.id}`, [`customer:${erased.id}`]);

describe('artefact scan', () => {
  it('collects every kind of output the flows produced', async () => {
    const artefacts = await collect();
    const kinds = new Set(artefacts.map((a) => a.kind));
    expect([...kinds].sort()).toEqual(['db-bytes', 'db-row', 'http', 'log', 'redis']);
    expect(
      artefacts.some(
        (a) => a.table === 'reid_runs' && a.kind === 'db-bytes' && a.text.includes('Re-identification test report'),
      ),
    ).toBe(true);
    expect(
      artefacts.some((a) => a.table === 'reports' && a.kind === 'db-bytes' && a.text.includes('Audit-log extract')),
    ).toBe(true);
    expect(artefacts.some((a) => a.where.startsWith('redis:') && a.text.includes('"data"'))).toBe(true);
    expect(logLines.length).toBeGreaterThan(0);
    expect(artefacts.some((a) => a.table === 'board_packets' && a.kind === 'db-bytes')).toBe(true);
    expect(snapshotNeedles.length).toBeGreaterThanOrEqual(10);
    // The needles are findable: the downloaded access package holds its own subject's address, as it
    // must, while the stored copy is encrypted.
    const download = artefacts.find((a) => a.where === `http:GET /api/v1/requests/${accessRequestId}/export`)!;
    expect(download.text.toLowerCase()).toContain(accessed.email.toLowerCase());
    expect(scan([download], needles(), []).map((f) => f.needle.label)).toContain(
      'email of the subject of the access request',
    );
    const stored = artefacts.filter(
      (a) => a.table === 'request_artefacts' && a.row?.kind === 'export' && a.kind === 'db-bytes',
    );
    expect(stored).toHaveLength(1);
    expect(stored[0].text.toLowerCase()).not.toContain(accessed.email.toLowerCase());
    // The uploaded dataset is gone once its run finished.
    expect(artefacts.some((a) => a.table === 'reid_uploads')).toBe(false);
  });

  it('finds no planted personal value outside the allow-list', async () => {
    const findings = scan(await collect(), needles(), allowList());
    expect(describeFindings(findings)).toBe('');
  });

  it('fails, naming where, when the generalization of risky classes is switched off', async () => {
    setGeneralizationForTest(false);
    let runId: string;
    try {
      runId = await snapshotRun(await apiToken(t, 'data_steward'));
    } finally {
      setGeneralizationForTest(true);
    }
    const findings = scan(await collect(), needles(), allowList());
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.where === `db:reid_runs[id=${runId}]`)).toBe(true);
    expect(describeFindings(findings)).toContain('birth date of a class below k in the training snapshot');
  });
});

// Issue 19 point 5: the access package carries the GDPR Art. 15 information next to the data, taken
// from the data map and retention.yaml, as a ZIP beside the tar, each with a README; both encrypted
// at rest and gone after the delivery window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiAs, apiToken, signIn, binaryBody } from '../support/app';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createDemoApp, sql, until, type DemoApp } from './support';
import { purgeExpiredExports } from '../../server/requests/artefacts-http';
import { art15Information } from '../../server/erasure/art15';
import type { Art15Information } from '../../server/erasure/art15';

let t: DemoApp;
let workers: RunningWorkers;
let dir: string;
let requestId: string;
let email: string;
let zip: Buffer;
let tar: Buffer;

const download = (tok: string, p: string) => apiAs(t.app, tok).get(p).buffer(true).parse(binaryBody);

const unzip = (...args: string[]) => execFileSync('unzip', args, { cwd: dir, encoding: 'utf8' });

beforeAll(async () => {
  t = await createDemoApp();
  workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-art15-'));
  // A customer who wrote to support: the help desk sends tickets to the United States (a transfer).
  [{ email }] = await sql<{ email: string }>(
    t.urls.support,
    'SELECT requester_email AS email FROM tickets WHERE customer_id IS NOT NULL ORDER BY id LIMIT 1',
  );
  const [a, b] = [await apiToken(t, 'compliance_officer'), await apiToken(t, 'compliance_officer')];
  const created = await apiAs(t.app, a).post('/requests', { type: 'access', regulation: 'gdpr', identity: { email } });
  requestId = created.body.id;
  expect(
    (await apiAs(t.app, a).post(`/requests/${requestId}/verify`, { method: 'email_link', evidence: 'Link clicked' }))
      .status,
  ).toBe(200);
  expect((await apiAs(t.app, b).post(`/requests/${requestId}/approve`)).status).toBe(200);
  await until(
    async () => (await apiAs(t.app, a).get(`/requests/${requestId}`)).body.status === 'completed',
    60_000,
    'access export',
  );
  const z = await download(a, `/requests/${requestId}/export.zip`);
  expect(z.status).toBe(200);
  expect(z.headers['content-type']).toContain('application/zip');
  zip = z.body as Buffer;
  tar = (await download(a, `/requests/${requestId}/export`)).body as Buffer;
  fs.writeFileSync(path.join(dir, 'p.zip'), zip);
  fs.writeFileSync(path.join(dir, 'p.tar'), tar);
}, 120_000);

afterAll(async () => {
  await workers?.close();
  await t?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the access package with the Art. 15 information', () => {
  it('is a ZIP holding the README, the information, subject.json and one CSV per table, like the tar', () => {
    const listed = unzip('-Z1', 'p.zip').trim().split('\n');
    expect(listed.slice(0, 4)).toEqual(['README.txt', 'information.txt', 'information.json', 'subject.json']);
    expect(listed).toContain('crm/customers.csv');
    expect(listed).toContain('support/tickets.csv');
    const inTar = execFileSync('tar', ['-tf', 'p.tar'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
    expect(inTar).toEqual(listed);
    expect(unzip('-p', 'p.zip', 'crm/customers.csv')).toContain(email.toLowerCase());
  });

  it('has a README explaining each file of the package', () => {
    const readme = unzip('-p', 'p.zip', 'README.txt');
    for (const f of ['information.txt', 'information.json', 'subject.json', 'crm/customers.csv', 'support/tickets.csv'])
      expect(readme).toContain(f);
    expect(readme).toContain(requestId);
    expect(readme).toContain('30 days');
    execFileSync('tar', ['-xf', 'p.tar', 'README.txt'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, 'README.txt'), 'utf8')).toBe(readme);
  });

  it('states every Art. 15 section in information.txt', () => {
    const text = unzip('-p', 'p.zip', 'information.txt');
    for (const heading of [
      'Purposes of the processing',
      'Categories of personal data',
      'Recipients',
      'Retention period or the criteria used to determine it',
      'Your rights',
      'Right to lodge a complaint',
      'Source of the data',
      'Automated decision-making, including profiling',
      'Transfers outside the EEA and their safeguards',
    ])
      expect(text).toContain(heading);
    for (const right of ['GDPR Art. 16', 'GDPR Art. 17', 'GDPR Art. 18', 'GDPR Art. 21', 'GDPR Art. 77'])
      expect(text).toContain(right);
    expect(text).toContain('supervisory authority');
  });

  it('takes purposes, recipients, source, transfers and retention from the data map and retention.yaml', () => {
    const info = JSON.parse(unzip('-p', 'p.zip', 'information.json')) as Art15Information;
    const bundle = t.deps.policies.current();
    const system = (n: string) => bundle.datamap.systems.find((s) => s.name === n)!;
    const of = (d: string) => info.datasets.find((x) => x.dataset === d)!;

    const customers = of('crm.customers');
    expect(customers.purposes).toEqual(system('crm').purposes);
    expect(customers.recipients).toEqual(system('crm').recipients);
    expect(customers.source).toBe(system('crm').dataSource);
    expect(customers.transfers).toEqual([]);
    expect(customers.categories.map((c) => c.key)).toContain('user.contact.email');
    expect(customers.categories.find((c) => c.key === 'user.contact.email')!.name).toBe(
      bundle.taxonomy.categories.find((c) => c.key === 'user.contact.email')!.name,
    );
    // retention.yaml closed_customer_accounts: P3Y from account_closed, anonymize.
    const rule = bundle.retention.rules.find((r) => r.dataset === 'crm.customers')!;
    expect(customers.retention).toEqual({
      rule: rule.name,
      period: '3 years from account closed, then anonymized',
      criteria: rule.reason,
    });

    const tickets = of('support.tickets');
    expect(tickets.transfers).toEqual(system('support').transfers);
    expect(tickets.transfers![0].country).toBe('United States');
    expect(tickets.retention!.period).toBe('3 years from its created at date, then deleted');

    // A dataset's own statement replaces its system's: logins are for security only, shared with nobody.
    const logins = info.datasets.find((x) => x.dataset === 'crm.logins');
    if (logins) {
      const own = system('crm').datasets.find((d) => d.name === 'logins')!;
      expect(logins.purposes).toEqual(own.purposes);
      expect(logins.recipients).toEqual([]);
    }

    const text = unzip('-p', 'p.zip', 'information.txt');
    expect(text).toContain(system('crm').purposes![0]);
    expect(text).toContain(system('support').transfers![0].safeguard);
    expect(text).toContain('Kept 3 years from account closed, then anonymized.');
  });

  it('reports what the data map does not state as not stated, and CCPA rights under CCPA', () => {
    const bundle = t.deps.policies.current();
    const bare = {
      systems: bundle.datamap.systems.map((s) => ({
        ...s,
        purposes: undefined,
        transfers: undefined,
        automatedDecisions: undefined,
        datasets: s.datasets.map((d) => ({
          ...d,
          purposes: undefined,
          transfers: undefined,
          automatedDecisions: undefined,
        })),
      })),
    };
    const info = art15Information({ datamap: bare, regulation: 'ccpa', datasets: ['analytics.events'] });
    expect(info.datasets[0]).toMatchObject({
      purposes: null,
      transfers: null,
      automatedDecisions: null,
      retention: null,
    });
    expect(info.rights.map((r) => r.basis)).toContain('Cal. Civ. Code §1798.105');
    expect(info.complaint.text).toContain('California Privacy Protection Agency');
  });

  it('stores the ZIP encrypted, shows its link to the officer, and deletes both formats after 30 days', async () => {
    const rows = await t.deps.db('request_artefacts').where({ request_id: requestId }).orderBy('kind');
    expect(rows.map((r) => r.kind)).toEqual(['export', 'export_zip']);
    const stored = rows.find((r) => r.kind === 'export_zip')!;
    expect(stored.bytes.subarray(0, 2).toString('latin1')).not.toBe('PK');
    expect(Buffer.compare(t.deps.crypto.decryptBytes(stored.bytes), zip)).toBe(0);

    const officer = await signIn(t, 'compliance_officer');
    const page = await officer.agent.get(`/requests/${requestId}`);
    expect(page.text).toContain(`href="/requests/${requestId}/export.zip"`);
    const ui = await officer.agent.get(`/requests/${requestId}/export.zip`);
    expect(ui.status).toBe(200);
    expect(ui.headers['cache-control']).toBe('no-store');

    await t.deps
      .db('request_artefacts')
      .where({ request_id: requestId })
      .update({ created_at: new Date(Date.now() - 31 * 86_400_000) });
    expect((await officer.agent.get(`/requests/${requestId}/export.zip`)).status).toBe(404);
    expect(await purgeExpiredExports(t.deps.db)).toBe(2);
    expect(await t.deps.db('request_artefacts').where({ request_id: requestId })).toEqual([]);
  });
});

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, createTestApp, csrfFrom, type TestApp } from '../support/app';
import { cliRunner } from '../support/cli';
import { seedAuditLog } from '../../bench/report-data';
import { signPdf } from '../../server/reports/signing';
import { issue } from './helpers';

const seedKey = () => crypto.randomBytes(32).toString('hex');

async function verifyOnPage(t: TestApp, pdf: Buffer, name = 'report.pdf') {
  const agent = request.agent(t.app);
  const page = await agent.get('/verify');
  expect(page.status).toBe(200);
  return agent
    .post('/verify')
    .field('_csrf', csrfFrom(page.text))
    .attach('file', pdf, { filename: name, contentType: 'application/pdf' });
}

describe('signed reports', () => {
  const keyA = seedKey();
  let t: TestApp;
  let token: string;
  let pdf: Buffer;
  let id: string;
  let dir: string;
  let cli: ReturnType<typeof cliRunner>;
  const write = (name: string, bytes: Buffer | string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { LETHE_REPORT_SIGNING_KEY: keyA } });
    token = await apiToken(t, 'compliance_officer');
    await seedAuditLog(t.deps.db, t.deps.crypto, t.deps.policies.hash(), {
      from: new Date('2026-10-01T00:00:00Z'),
      days: 30,
      auditEntries: 150,
      requests: 0,
      reidRuns: 0,
    });
    ({ id, pdf } = await issue(t, token, { kind: 'audit_log', from: '2026-10-01', to: '2026-10-31' }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-verify-'));
    cli = cliRunner(t.env);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records the SHA-256 of the issued file in the audit log and serves the same bytes', async () => {
    const row = await t.deps.db('reports').where({ id }).first('sha256');
    const entry = await t.deps
      .db('audit_log')
      .where({ action: 'report.issued', target: `report:${id}` })
      .first('details');
    expect(crypto.createHash('sha256').update(pdf).digest('hex')).toBe(row.sha256);
    expect(entry.details.sha256).toBe(row.sha256);
    const downloads = await t.deps
      .db('audit_log')
      .where({ action: 'report.download', target: `report:${id}` })
      .count<{ n: string }[]>({ n: '*' });
    expect(Number(downloads[0].n)).toBeGreaterThanOrEqual(1);
  });

  it('lethe report verify › exits 0 for the untouched file and names the report', async () => {
    const r = await cli(['report', 'verify', write('good.pdf', pdf)]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('AUTHENTIC');
    expect(r.out).toContain(`report: ${id}`);
    expect(r.out).toContain('kind: audit_log');
    expect(r.out).toContain('audit-log checkpoint: matches');
  });

  it('lethe report verify --keys › works offline with the published key list alone', async () => {
    const keys = await request(t.app).get('/.well-known/lethe-report-key');
    expect(keys.status).toBe(200);
    expect(keys.body.keys[0].fingerprint).toBe(keys.body.current);
    const keyFile = write('keys.json', JSON.stringify(keys.body));
    // no database: an environment that points nowhere
    const offline = cliRunner({
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      LOG_LEVEL: 'silent',
    });
    const ok = await offline(['report', 'verify', write('good2.pdf', pdf), '--keys', keyFile]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain(keys.body.current);
    const flipped = Buffer.from(pdf);
    flipped[Math.floor(flipped.length / 3)] ^= 0x01;
    const bad = await offline(['report', 'verify', write('bad2.pdf', flipped), '--keys', keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('ALTERED');
  });

  it('flipping one byte anywhere makes verify exit 1 and /verify say altered', async () => {
    for (const at of [10, Math.floor(pdf.length / 2), pdf.length - 40]) {
      const flipped = Buffer.from(pdf);
      flipped[at] ^= 0x20;
      const r = await cli(['report', 'verify', write(`flip-${at}.pdf`, flipped)]);
      expect(r.code, `byte ${at}`).toBe(1);
      expect(r.out).toMatch(/ALTERED/);
    }
    const flipped = Buffer.from(pdf);
    flipped[Math.floor(pdf.length / 2)] ^= 0x01;
    const page = await verifyOnPage(t, flipped);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-status="altered"');
    const good = await verifyOnPage(t, pdf);
    expect(good.text).toContain('data-status="authentic"');
    expect(good.text).toContain(id);
    // the page never says who generated or downloaded the report
    expect(good.text).not.toMatch(/user:|token:|compliance_officer/);
  });

  it('a file signed by a key Lethe never published is unknown', async () => {
    const stranger = crypto.generateKeyPairSync('ed25519').privateKey;
    const body = pdf.subarray(0, pdf.indexOf(Buffer.from('\n%LETHE-SIGNATURE-1 ')));
    const { bytes } = signPdf(
      body,
      {
        id,
        kind: 'audit_log',
        title: 'x',
        generatedAt: new Date().toISOString(),
        period: null,
        bundleHash: 'b',
        auditHead: null,
        checkpointId: null,
      },
      stranger,
    );
    const r = await cli(['report', 'verify', write('stranger.pdf', bytes)]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('UNKNOWN');
    expect((await verifyOnPage(t, bytes)).text).toContain('data-status="unknown"');
    const unsigned = await cli(['report', 'verify', write('plain.pdf', body)]);
    expect(unsigned.code).toBe(1);
  });

  it('after a key rotation, a report signed by the retired key still verifies', async () => {
    const keyB = seedKey();
    const t2 = await createTestApp({
      database: t.database,
      env: { LETHE_SECRET_KEY: t.env.LETHE_SECRET_KEY!, LETHE_REPORT_SIGNING_KEY: keyB },
    });
    try {
      const token2 = await apiToken(t2, 'auditor');
      const fresh = await issue(t2, token2, { kind: 'audit_log', from: '2026-10-01', to: '2026-10-02' });
      const keys = (await request(t2.app).get('/.well-known/lethe-report-key')).body;
      expect(keys.keys).toHaveLength(2);
      const retired = keys.keys.find((k: { fingerprint: string }) => k.fingerprint !== keys.current);
      expect(retired.retiredAt).toBeTruthy();
      expect(retired.validFrom <= retired.retiredAt).toBe(true);
      const cli2 = cliRunner(t2.env);
      const old = await cli2(['report', 'verify', write('old.pdf', pdf)]);
      expect(old.code, old.out + old.err).toBe(0);
      expect(old.out).toContain(`retired ${retired.retiredAt}`);
      const now = await cli2(['report', 'verify', write('new.pdf', fresh.pdf)]);
      expect(now.code).toBe(0);
      expect((await verifyOnPage(t2, pdf)).text).toContain('a retired key');
    } finally {
      await t2.deps.queues.close();
      await t2.deps.db.destroy();
    }
  });
});

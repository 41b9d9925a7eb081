import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRequest } from '../../server/erasure/plan';
import { discoverIdentities, runErasure } from '../../server/erasure/execute';
import { verifyErasure } from '../../server/erasure/verify';
import {
  certificateExemptions,
  certificateTables,
  renderCertificate,
  type CertificateData,
} from '../../server/erasure/certificate-pdf';
import { dueDate } from '../../server/requests/deadlines';
import { DEMO_ANCHOR } from '../../server/demo/systems';
import { fixtureDecide } from '../fixtures/decide';
import { demoPolicy } from '../fixtures/demo-policy';
import { setupDemo, subject, type DemoEnv } from './helpers';
import { memoryCheckpoints } from './checkpoints';

const decide = fixtureDecide(demoPolicy);
const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8');

describe('certificate of erasure', () => {
  let env: DemoEnv;
  let data: CertificateData;
  let email: string;
  beforeAll(async () => {
    env = await setupDemo(12, 9);
    const s = await subject(env, 1);
    email = s.email;
    const now = new Date(DEMO_ANCHOR);
    const identity = await discoverIdentities({
      datamap: env.datamap,
      connections: env.connections,
      identity: { email: [s.email] },
    });
    const plan = planRequest({ datamap: env.datamap, decide, regulation: 'gdpr' });
    const outcome = await runErasure(
      plan,
      {
        connections: env.connections,
        identity,
        keys: { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) },
        now,
      },
      memoryCheckpoints(),
    );
    const verification = await verifyErasure({
      datamap: env.datamap,
      connections: env.connections,
      identity,
      decide,
      regulation: 'gdpr',
      now,
    });
    const receivedAt = new Date('2026-10-20T09:00:00Z');
    data = {
      requestId: 'req_7f3c2a91',
      regulation: 'gdpr',
      receivedAt,
      dueAt: dueDate('gdpr', receivedAt),
      completedAt: new Date('2026-10-22T15:30:00Z'),
      subjectFingerprint: crypto.createHmac('sha256', 'k').update(s.email).digest('hex'),
      tables: certificateTables(plan, outcome.results),
      exemptions: certificateExemptions(plan, outcome.results),
      verification,
      artefacts: outcome.artefacts,
      bundleHash: 'b'.repeat(64),
      auditHead: 'c'.repeat(64),
    };
  }, 120_000);
  afterAll(() => env?.drop());

  it('shows the request, dates, every table, exemptions with legal basis, verification and hashes, but not the subject', async () => {
    const text = await renderCertificate(data).then(pdfText);
    expect(text).toContain('Request ID: req_7f3c2a91');
    expect(text).toContain('Verification result: PASSED');
    expect(text).toMatch(/Received: 2026-10-20\s+Due: 2026-11-20\s+Completed: 2026-10-22/);
    expect(text).toMatch(/crm\.customers: 1 deleted/);
    const kept = data.exemptions.find((e) => e.table === 'invoices')!.rows;
    expect(kept).toBeGreaterThan(0);
    expect(text).toContain(`billing.invoices: ${kept} row(s) kept under tax_records, GDPR Art. 17(3)(b)`);
    // the kit's Unicode font is wider than Helvetica: the line may wrap, so compare across line breaks
    expect(text.replace(/\s+/g, ' ')).toContain('in kept rows billing_name: mask, billing_email: mask');
    expect(text).toContain('Model support-assistant-v3: retraining required');
    expect(text).toContain(`Policy bundle SHA-256: ${'b'.repeat(64)}`);
    expect(text).toContain(`Audit-log head at completion: ${'c'.repeat(64)}`);
    expect(text).toContain(data.subjectFingerprint);
    expect(text.toLowerCase()).not.toContain(email);
  });

  it('renders the same bytes for the same data, so its SHA-256 can be re-derived', async () => {
    const [a, b] = await Promise.all([renderCertificate(data), renderCertificate(data)]);
    expect(a.subarray(0, 5).toString()).toBe('%PDF-');
    expect(crypto.createHash('sha256').update(a).digest('hex')).toBe(
      crypto.createHash('sha256').update(b).digest('hex'),
    );
  });

  it('says FAILED and lists what remains when verification found something', async () => {
    const failed = {
      ...data,
      verification: {
        clean: false,
        remaining: [{ system: 'crm', table: 'customers', column: 'email', rows: 1 }],
        scanned: data.verification.scanned,
      },
    };
    const text = pdfText(await renderCertificate(failed));
    expect(text).toContain('Verification result: FAILED');
    expect(text).toContain('remaining: crm.customers.email: 1 row(s)');
  });
});

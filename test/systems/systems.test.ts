import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { redact } from '../../server/systems/service';

const DEAD_URL = 'postgres://lethe:s3cret-pw@127.0.0.1:1/nowhere';

let crm: TestDatabase;
let t: TestApp;
let officer: SignedIn;

beforeAll(async () => {
  // Part of the demo CRM: customers without most of its mapped columns but with one the map does
  // not know, addresses complete, every other CRM table absent.
  crm = await createTestDatabase({ empty: true });
  await crm.db.raw(`CREATE TABLE customers (id bigint PRIMARY KEY, email text, full_name text, loyalty_tier text)`);
  await crm.db.raw(
    `CREATE TABLE addresses (id bigint PRIMARY KEY, customer_id bigint, street text, city text, postal_code text, country text)`,
  );
  t = await createTestApp({ env: { CRM_DATABASE_URL: crm.url, BILLING_DATABASE_URL: DEAD_URL } });
  officer = await signIn(t, 'compliance_officer');
});
afterAll(async () => {
  await t?.close();
  await crm?.drop();
});

const section = (html: string, system: string) => {
  const m = new RegExp(
    `<section aria-labelledby="system-${system}" data-testid="system-${system}">([\\s\\S]*?)</section>`,
  ).exec(html);
  if (!m) throw new Error(`no section for ${system}`);
  return m[1];
};

describe('Systems page', () => {
  it('GET /systems › shows a reachable system with its missing tables and columns and its unmapped columns', async () => {
    const res = await officer.agent.get('/systems');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Systems · Lethe</title>');
    const html = section(res.text, 'crm');
    expect(html).toContain('data-testid="reachable"');
    expect(html).toMatch(/data-testid="missing-tables">[\s\S]*<code>orders<\/code>/);
    expect(html).not.toMatch(/data-testid="missing-tables">[\s\S]*<code>addresses<\/code>[\s\S]*<\/ul>/);
    expect(html).toMatch(/data-testid="missing-columns">[\s\S]*<code>customers.phone<\/code>/);
    expect(html).toMatch(/data-testid="unmapped-columns">[\s\S]*<code>customers.loyalty_tier<\/code>/);
    expect(res.text).toMatch(/data-testid="system-row-crm">[\s\S]*?missing tables or columns/);
  });

  it('GET /systems › says "not configured" for a system whose environment variable is unset', async () => {
    const res = await officer.agent.get('/systems');
    const html = section(res.text, 'analytics');
    expect(html).toContain('data-testid="not-configured"');
    expect(html).toContain('<code>ANALYTICS_DATABASE_URL</code>');
  });

  it('GET /systems › reports an unreachable system without its connection string or password', async () => {
    const res = await officer.agent.get('/systems');
    const html = section(res.text, 'billing');
    expect(html).toContain('data-testid="unreachable"');
    expect(res.text).not.toContain('s3cret-pw');
    expect(html).toContain('ECONNREFUSED'); // host and port help; the URL and its credentials stay out
    expect(res.text).not.toContain('lethe:s3cret');
    expect(res.text).not.toMatch(/at \w+ \(.*\.ts:\d+/); // no stack trace
  });

  it('GET /systems › lists each dataset with its kind and marks AI artefacts', async () => {
    const res = await officer.agent.get('/systems');
    const assistant = section(res.text, 'assistant');
    expect(assistant).toMatch(/prompt log <span class="tag" data-testid="ai-artefact">AI artefact<\/span>/);
    expect(section(res.text, 'crm')).not.toContain('data-testid="ai-artefact"');
  });

  it('GET /systems › is refused (403) to a role without system:read', async () => {
    const board = await signIn(t, 'ethics_board');
    const res = await board.agent.get('/systems');
    expect(res.status).toBe(403);
    expect(res.text).toContain('system:read');
  });
});

describe('redact', () => {
  it('removes the connection string and its password from a driver message', () => {
    expect(redact(`connect failed for ${DEAD_URL}\n    at stack`, DEAD_URL)).toBe(
      'connect failed for [connection string]',
    );
    expect(redact('password s3cret-pw rejected', DEAD_URL)).toBe('password *** rejected');
  });
});

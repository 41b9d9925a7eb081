import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../support/app';
import { explainAccess, explainDeletion } from '../../server/policies/explain';
import { formatRef } from '../../server/policies/yaml-source';
import { bundleCopy, editOnce, flashes, footerHash, restore } from './support';

let t: TestApp;
let copy: Awaited<ReturnType<typeof bundleCopy>>;
let admin: SignedIn;
let auditor: SignedIn;
let officer: SignedIn;

beforeAll(async () => {
  copy = await bundleCopy();
  t = await createTestApp({ policiesDir: copy.dir });
  [admin, auditor, officer] = [
    await signIn(t, 'admin'),
    await signIn(t, 'auditor'),
    await signIn(t, 'compliance_officer'),
  ];
});
afterAll(async () => {
  await t?.close();
  await copy?.remove();
});

const OLD_REASON = 'reason: Officers answer "why was this kept?" from the policy that decided it.';
const NEW_REASON = 'reason: Officers answer <b>why</b> & "what" from the policy that decided it.';

async function reload(s: SignedIn) {
  return s.agent
    .post('/policies/reload')
    .type('form')
    .send({ _csrf: await s.csrf() });
}

describe('Policies pages', () => {
  it('GET /policies › shows the active hash, the files, the history and, for an admin, the reload button', async () => {
    const res = await admin.agent.get('/policies');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Policies · Lethe</title>');
    expect(res.text).toContain(`data-testid="active-hash">${t.deps.policies.hash()}<`);
    expect(res.text).toContain('href="/policies/files/datamap/crm.yaml"');
    expect(res.text).toMatch(/data-testid="history-row"/);
    expect(res.text).toContain('data-testid="reload"');
    expect(res.text).toContain('data-testid="diff-form"');
    expect(res.text).toContain('href="/policies/explain"');
    expect(res.text).not.toContain('data-testid="policy-rejection"');
  });

  it('GET /policies › shows no reload button or explain link to an auditor, who may only read', async () => {
    const res = await auditor.agent.get('/policies');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('data-testid="reload"');
    expect(res.text).not.toContain('href="/policies/explain"');
  });

  it('refuses with 403 the routes a role has no permission for', async () => {
    const explain = await auditor.agent.get('/policies/explain');
    expect(explain.status).toBe(403);
    expect(explain.text).toContain('policy:explain');
    const reloaded = await reload(officer);
    expect(reloaded.status).toBe(403);
    expect(reloaded.text).toContain('policy:reload');
  });

  it('GET /policies/files/… › shows a file of the active bundle with numbered, linkable lines', async () => {
    const res = await officer.agent.get('/policies/files/datamap/crm.yaml');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /<tr id="L8"><td><a href="#L8" data-testid="line-number">8<\/a><\/td><td><code>connection_env: CRM_DATABASE_URL/,
    );
    const raw = await officer.agent.get('/policies/files/datamap/crm.yaml?raw=1');
    expect(raw.headers['content-type']).toMatch(/^text\/plain/);
    expect(raw.text).toBe(t.deps.policies.current().files.find((f) => f.path === 'datamap/crm.yaml')!.content);
  });

  it('GET /policies/files/… › answers 404 for anything that is not a file of the bundle', async () => {
    for (const path of [
      '/policies/files/..%2F..%2Fpackage.json',
      '/policies/files/../package.json',
      '/policies/files/schema/access.schema.json',
      '/policies/files/nope.yaml',
    ]) {
      const res = await officer.agent.get(path);
      expect(res.status, path).toBe(404);
      expect(res.text, path).not.toContain('"name": "lethe"');
    }
  });
});

describe('Explain panel', () => {
  it('GET /policies/explain › shows an access decision with the rule at file:line and its reason', async () => {
    const bundle = t.deps.policies.current();
    const expected = explainAccess(bundle, {
      principal: { id: 'principal', role: 'compliance_officer' },
      action: 'approve',
      resource: 'request',
      context: { submittedBy: 'someone-else' },
    });
    const res = await officer.agent.get('/policies/explain').query({
      form: 'access',
      role: 'compliance_officer',
      action: 'approve',
      resource: 'request',
      submittedBy: 'other',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-testid="decision">allow<');
    expect(res.text).toContain(`<code>${formatRef(expected.source!)}</code>`);
    expect(res.text).toContain(`href="/policies/files/access.yaml#L${expected.source!.line}"`);
    expect(res.text).toContain('a second officer decides');
  });

  it('GET /policies/explain › denies four-eyes approval of one’s own submission and cites the rule whose condition failed', async () => {
    const res = await officer.agent.get('/policies/explain').query({
      form: 'access',
      role: 'compliance_officer',
      action: 'approve',
      resource: 'request',
      submittedBy: 'self',
    });
    expect(res.text).toContain('data-testid="decision">deny<');
    expect(res.text).toMatch(
      /data-testid="rule-at">Rule at <a href="\/policies\/files\/access.yaml#L\d+"><code>access.yaml:\d+:\d+<\/code>/,
    );
    expect(res.text).toContain('the submitter may not decide on their own submission');
  });

  it('GET /policies/explain › explains deletion and retention decisions with their rules', async () => {
    const bundle = t.deps.policies.current();
    const deletion = explainDeletion(bundle, {
      category: 'user.contact.email',
      regulation: 'gdpr',
      dataset: 'crm.customers',
    });
    const del = await officer.agent
      .get('/policies/explain')
      .query({ form: 'deletion', category: 'user.contact.email', regulation: 'gdpr', dataset: 'crm.customers' });
    expect(del.status).toBe(200);
    expect(del.text).toContain(`data-testid="decision">${deletion.decision}<`);
    expect(del.text).toContain(`<code>${formatRef(deletion.source!)}</code>`);
    const ret = await officer.agent
      .get('/policies/explain')
      .query({ form: 'retention', dataset: 'crm.customers', date: '2001-01-01', now: '2026-01-01' });
    expect(ret.status).toBe(200);
    expect(ret.text).toMatch(
      /data-testid="rule-at">Rule at <a href="\/policies\/files\/retention.yaml#L\d+"><code>retention.yaml:\d+:\d+<\/code>/,
    );
  });

  it('GET /policies/explain › re-renders with field errors and the input kept (422)', async () => {
    const res = await officer.agent
      .get('/policies/explain')
      .query({ form: 'retention', dataset: 'crm.nope', date: 'last tuesday' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('data-testid="error-summary"');
    expect(res.text).toContain('href="#retention-dataset"');
    expect(res.text).toContain('href="#retention-date"');
    expect(res.text).toContain('value="last tuesday"');
    expect(res.text).not.toContain('data-testid="explanation"');
  });
});

describe('Reload and diff', () => {
  let firstHash: string;
  let secondHash: string;

  it('POST /policies/reload › keeps the active bundle when the new one is invalid, and shows the problems', async () => {
    firstHash = t.deps.policies.hash();
    const original = await editOnce(
      copy.dir,
      'access.yaml',
      '- role: auditor\n    resource: audit_log',
      '- role: nobody\n    resource: audit_log',
    );
    try {
      const res = await reload(admin);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/policies');
      const page = await admin.agent.get('/policies');
      expect(flashes(page.text).join()).toContain(`bundle ${firstHash.slice(0, 12)} stays active`);
      expect(page.text).toContain('data-testid="policy-rejection"');
      expect(page.text).toMatch(/<code>access\.yaml:\d+:\d+: [^<]*nobody/);
      expect(footerHash(page.text)).toBe(firstHash.slice(0, 12));
      expect(t.deps.policies.hash()).toBe(firstHash);
      const dashboard = await admin.agent.get('/');
      expect(dashboard.text).toMatch(/A reload was rejected/);
      const audit = await t.deps
        .db('audit_log')
        .where({ action: 'policy.bundle.rejected', actor: `user:${admin.userId}` })
        .first();
      expect(audit).toBeTruthy();
    } finally {
      await restore(copy.dir, 'access.yaml', original);
    }
  });

  it('POST /policies/reload › activates a valid change, clears the rejection and audits both hashes', async () => {
    await editOnce(copy.dir, 'access.yaml', OLD_REASON, NEW_REASON);
    const res = await reload(admin);
    expect(res.status).toBe(303);
    secondHash = t.deps.policies.hash();
    expect(secondHash).not.toBe(firstHash);
    const page = await admin.agent.get('/policies');
    expect(flashes(page.text).join()).toContain(`Policy bundle ${secondHash.slice(0, 12)} is now active`);
    expect(page.text).not.toContain('data-testid="policy-rejection"');
    expect(page.text.match(/data-testid="history-row"/g)).toHaveLength(2);
    const audit = await t.deps
      .db('audit_log')
      .where({ action: 'policy.bundle.activated' })
      .orderBy('seq', 'desc')
      .first();
    expect(audit.details).toEqual({ previousHash: firstHash, hash: secondHash });
  });

  it('GET /policies/diff › shows the removed and the added line side by side, escaped', async () => {
    const res = await officer.agent.get('/policies/diff').query({ from: firstHash, to: secondHash });
    expect(res.status).toBe(200);
    expect(res.text).toContain('1 of ');
    expect(res.text).toMatch(
      /<h2 id="file-access-yaml"><code>access.yaml<\/code> <span class="status status-warn">changed<\/span>/,
    );
    const removed = [...res.text.matchAll(/<del data-testid="removed-line">([\s\S]*?)<\/del>/g)].map((m) => m[1]);
    const added = [...res.text.matchAll(/<ins data-testid="added-line">([\s\S]*?)<\/ins>/g)].map((m) => m[1]);
    expect(removed).toHaveLength(1);
    expect(added).toHaveLength(1);
    expect(removed[0]).toContain('Officers answer &#34;why was this kept?&#34;');
    expect(added[0]).toContain('Officers answer &lt;b&gt;why&lt;/b&gt; &amp; &#34;what&#34;');
    expect(res.text).not.toContain('<b>why</b>');
    expect(res.text).toContain('unchanged lines');
  });

  it('GET /policies/diff › accepts a unique hash prefix', async () => {
    const res = await officer.agent
      .get('/policies/diff')
      .query({ from: firstHash.slice(0, 10), to: secondHash.slice(0, 10) });
    expect(res.status).toBe(200);
    expect(res.text).toContain('data-testid="diff-summary"');
  });

  it('GET /policies/diff › re-renders the form with field errors for unknown or malformed hashes (422)', async () => {
    const unknown = 'f'.repeat(64);
    const res = await officer.agent.get('/policies/diff').query({ from: unknown, to: 'not-a-hash' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('data-testid="error-summary"');
    expect(res.text).toContain('No stored version of the policy bundle has this hash');
    expect(res.text).toContain('Give a bundle hash');
    expect(res.text).toContain(`<option value="${unknown}" selected>`); // input kept
    expect(res.text).not.toContain('data-testid="diff-table"');
  });
});

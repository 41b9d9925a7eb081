import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type TestApp } from '../support/app';
import { cliRunner } from '../support/cli';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const cli = (args: string[]) => cliRunner(t.env)(args);

describe('audit log', () => {
  it('50 concurrent writers produce one unbroken chain', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.deps.audit.append({ actor: 'system:test', action: 'test.concurrent', details: { i } }),
      ),
    );
    const result = await t.deps.audit.verify();
    expect(result.ok).toBe(true);
    const seqs = await t.deps.db('audit_log').orderBy('seq').pluck('seq');
    expect(seqs.map(Number)).toEqual(seqs.map((_, i) => i + 1));
    expect(await t.deps.db('audit_log').where({ action: 'test.concurrent' }).count({ n: '*' })).toEqual([{ n: '50' }]);
  });

  it('every entry carries the active policy bundle hash', async () => {
    const row = await t.deps.audit.append({ actor: 'system:test', action: 'test.hash' });
    expect(row.bundle_hash).toBe(t.deps.policies.hash());
    expect(row.bundle_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await t.deps.audit.append({ actor: 'system:test', action: 'test.immutable' });
    await expect(t.deps.db('audit_log').update({ actor: 'mallory' })).rejects.toThrow(/append-only/);
    await expect(t.deps.db('audit_log').del()).rejects.toThrow(/append-only/);
    await expect(t.deps.db.raw('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
  });

  it('lethe audit verify-log prints the head and exits 0 on an intact chain', async () => {
    const { code, out } = await cli(['audit', 'verify-log']);
    const head = await t.deps.audit.head();
    expect(code).toBe(0);
    expect(out).toBe(`audit log intact: ${head!.seq} entries, head ${head!.hash}\n`);
  });

  it('lethe audit verify-log exits 1 naming the entry edited behind the trigger', async () => {
    for (let i = 0; i < 5; i++)
      await t.deps.audit.append({ actor: 'system:test', action: 'test.tamper', details: { i } });
    const victim = await t.deps.db('audit_log').where({ action: 'test.tamper' }).orderBy('seq').offset(2).first();
    await t.deps.db.transaction(async (trx) => {
      await trx.raw('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
      await trx('audit_log')
        .where({ seq: victim.seq })
        .update({ details: JSON.stringify({ i: 99 }) });
      await trx.raw('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete');
    });
    const { code, err } = await cli(['audit', 'verify-log']);
    expect(code).toBe(1);
    expect(err).toContain(`BROKEN at entry ${victim.seq}`);
  });

  it('GET /audit-log › an auditor filters by action, pages, sorts and downloads CSV', async () => {
    const s = await signIn(t, 'auditor');
    const all = await s.agent.get('/audit-log?action=test.&sort=asc');
    expect(all.text).toContain('data-testid="pagination"');
    expect(all.text).toMatch(/Page 1 of 2 \(\d+ in all\)/);
    const second = await s.agent.get('/audit-log?action=test.&sort=asc&page=2');
    expect(second.text).toContain('Page 2 of 2');
    expect(second.text).toContain('<code class="muted">test.tamper</code>');
    const page = await s.agent.get('/audit-log?action=test.concurrent&sort=asc');
    expect(page.status).toBe(200);
    const rows = page.text.match(/<code class="muted">test\.concurrent<\/code>/g) ?? [];
    expect(rows.length).toBe(50);
    const csv = await s.agent.get('/audit-log.csv?action=test.concurrent');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.trim().split('\n')).toHaveLength(51);
    const empty = await s.agent.get('/audit-log?action=no.such.action');
    expect(empty.text).toContain('data-testid="empty-state"');
    const bad = await s.agent.get('/audit-log?from=yesterday');
    expect(bad.text).toContain('Enter a date like');
    // An invalid filter never turns into "export everything".
    const badCsv = await s.agent.get('/audit-log.csv?from=2026-13-45');
    expect(badCsv.status).toBe(400);
    expect(badCsv.text).not.toContain('seq,at,actor');
  });
});

// Attacks on the audit log by someone with the database owner's rights (triggers disabled):
// each test performs the attack and passes only when verify-log catches it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { cliRunner } from '../support/cli';
import { entryHash } from '../../server/audit-log/chain';
import { migrations } from '../../migrations/index';
import { startWorkers, type RunningWorkers } from '../../jobs/worker';
import { createDemoApp, sql, type DemoApp } from '../requests/support';
import { carriedThrough, officers } from '../security/support';

/** What an attacker with owner rights does: switch the triggers off, change rows, switch them on. */
async function behindTheTriggers(db: Knex, change: (trx: Knex.Transaction) => Promise<void>) {
  await db.transaction(async (trx) => {
    for (const t of ['audit_log', 'audit_checkpoints']) await trx.raw(`ALTER TABLE ${t} DISABLE TRIGGER USER`);
    await change(trx);
    for (const t of ['audit_log', 'audit_checkpoints']) await trx.raw(`ALTER TABLE ${t} ENABLE TRIGGER USER`);
  });
}

describe('keyed audit-log chain', () => {
  let t: TestApp;
  const cli = (args: string[]) => cliRunner(t.env)(args);
  beforeAll(async () => {
    t = await createTestApp({ env: { LETHE_AUDIT_CHECKPOINT_EVERY: '10' } });
  });
  afterAll(() => t.close());

  it('every entry after the recorded start is an HMAC under the audit-log key, not a plain SHA-256', async () => {
    const row = await t.deps.audit.append({ actor: 'system:test', action: 'test.keyed' });
    expect(row.key_id).toBe(t.deps.crypto.keyId);
    const plain = entryHash(row.prev_hash, {
      seq: row.seq,
      at: row.at,
      actor: row.actor,
      action: row.action,
      target: row.target,
      details: row.details,
      bundleHash: row.bundle_hash,
      keyId: null,
    });
    expect(row.hash).not.toBe(plain);
    expect((await t.deps.audit.verify()).ok).toBe(true);
  });

  it('rewriting one entry and recomputing every later plain SHA-256 is detected', async () => {
    for (let i = 0; i < 6; i++)
      await t.deps.audit.append({ actor: 'system:test', action: 'test.rewrite', details: { i } });
    const victim = await t.deps.db('audit_log').where({ action: 'test.rewrite' }).orderBy('seq').offset(2).first();
    await behindTheTriggers(t.deps.db, async (trx) => {
      const rows = await trx('audit_log').where('seq', '>=', victim.seq).orderBy('seq');
      let prev = rows[0].prev_hash as string;
      for (const r of rows) {
        const details = Number(r.seq) === Number(victim.seq) ? { i: 99 } : r.details;
        // Both forgeries: dropping back to plain hashes, and keeping the key id.
        const hash = entryHash(prev, {
          seq: Number(r.seq),
          at: r.at,
          actor: r.actor,
          action: r.action,
          target: r.target,
          details,
          bundleHash: r.bundle_hash,
          keyId: null,
        });
        await trx('audit_log')
          .where({ seq: r.seq })
          .update({ details: JSON.stringify(details), prev_hash: prev, hash, key_id: null });
        prev = hash;
      }
    });
    const { code, err } = await cli(['audit', 'verify-log']);
    expect(code).toBe(1);
    expect(err).toContain(`BROKEN at entry ${victim.seq}`);
  });
});

describe('truncation', () => {
  let t: TestApp;
  const cli = (args: string[]) => cliRunner(t.env)(args);
  beforeAll(async () => {
    t = await createTestApp({ env: { LETHE_AUDIT_CHECKPOINT_EVERY: '10' } });
  });
  afterAll(() => t.close());

  it('writes a signed checkpoint every N entries, and deleting the last entries below one is detected', async () => {
    for (let i = 0; i < 25; i++)
      await t.deps.audit.append({ actor: 'system:test', action: 'test.fill', details: { i } });
    const periodic = await t.deps.db('audit_checkpoints').where({ reason: 'periodic' }).orderBy('seq');
    expect(periodic.map((c) => Number(c.seq))).toEqual(expect.arrayContaining([10, 20]));
    expect((await cli(['audit', 'verify-log'])).code).toBe(0);
    await behindTheTriggers(t.deps.db, (trx) =>
      trx('audit_log')
        .where('seq', '>=', 15)
        .del()
        .then(() => undefined),
    );
    const { code, err } = await cli(['audit', 'verify-log']);
    expect(code).toBe(1);
    expect(err).toMatch(/entries 15-2\d are missing/);
  });

  it('a forged checkpoint (moved to the shortened head) has no valid signature', async () => {
    await behindTheTriggers(t.deps.db, async (trx) => {
      const head = await trx('audit_log').orderBy('seq', 'desc').first();
      await trx('audit_checkpoints').where('seq', '>', head.seq).update({ seq: head.seq, hash: head.hash });
    });
    const { code, err } = await cli(['audit', 'verify-log']);
    expect(code).toBe(1);
    expect(err).toContain('has no valid signature');
  });

  it('export-head prints a signed head; verify-log --head catches a log cut below it even when every checkpoint is gone', async () => {
    const fresh = await createTestApp();
    try {
      const run = cliRunner(fresh.env);
      for (let i = 0; i < 5; i++)
        await fresh.deps.audit.append({ actor: 'system:test', action: 'test.fill', details: { i } });
      const exported = await run(['audit', 'export-head']);
      expect(exported.code).toBe(0);
      const head = JSON.parse(exported.out);
      expect(head).toMatchObject({ seq: 5, keyId: fresh.deps.crypto.keyId, reason: 'export-head' });
      expect(head.mac).toMatch(/^[0-9a-f]{64}$/);
      await behindTheTriggers(fresh.deps.db, async (trx) => {
        await trx('audit_log').where('seq', '>=', 3).del();
        await trx('audit_checkpoints').del();
      });
      expect((await run(['audit', 'verify-log'])).code).toBe(0); // nothing left inside the database says otherwise
      const checked = await run(['audit', 'verify-log', '--head', exported.out.trim()]);
      expect(checked.code).toBe(1);
      expect(checked.err).toContain('entries 3-5 are missing');
    } finally {
      await fresh.close();
    }
  });
});

describe('downgrade', () => {
  it('moving the keyed start past the entries and rewriting them as plain SHA-256 is detected by the signed checkpoints', async () => {
    const t = await createTestApp({ env: { LETHE_AUDIT_CHECKPOINT_EVERY: '5' } });
    try {
      for (let i = 0; i < 12; i++)
        await t.deps.audit.append({ actor: 'system:test', action: 'test.fill', details: { i } });
      await t.deps.db.transaction(async (trx) => {
        await trx.raw('ALTER TABLE audit_chain_start DISABLE TRIGGER USER');
        await trx('audit_chain_start').update({ keyed_from: 1000 });
        await trx.raw('ALTER TABLE audit_chain_start ENABLE TRIGGER USER');
      });
      await behindTheTriggers(t.deps.db, async (trx) => {
        let prev = '0'.repeat(64);
        for (const r of await trx('audit_log').orderBy('seq')) {
          const details = Number(r.seq) === 3 ? { i: 'rewritten' } : r.details;
          const hash = entryHash(prev, {
            seq: Number(r.seq),
            at: r.at,
            actor: r.actor,
            action: r.action,
            target: r.target,
            details,
            bundleHash: r.bundle_hash,
            keyId: null,
          });
          await trx('audit_log')
            .where({ seq: r.seq })
            .update({ details: JSON.stringify(details), prev_hash: prev, hash, key_id: null });
          prev = hash;
        }
      });
      const { code, err } = await cliRunner(t.env)(['audit', 'verify-log']);
      expect(code).toBe(1);
      expect(err).toContain('the keyed chain start was moved');
    } finally {
      await t.close();
    }
  });
});

describe('entries written before the keyed chain', () => {
  it('stay plain SHA-256 and verify; the keyed chain starts at the recorded entry', async () => {
    const d = await createTestDatabase({ empty: true });
    try {
      const cut = migrations.findIndex((m) => m.name === '20261130100000_audit_log_key_id');
      const old = migrations.slice(0, cut);
      const src: Knex.MigrationSource<(typeof migrations)[number]> = {
        getMigrations: async () => old,
        getMigrationName: (m) => m.name,
        getMigration: async (m) => m,
      };
      await d.db.migrate.latest({ migrationSource: src });
      // Three entries as the unkeyed version wrote them.
      let prev = '0'.repeat(64);
      for (let seq = 1; seq <= 3; seq++) {
        const e = {
          seq,
          at: new Date(),
          actor: 'system:old',
          action: 'test.old',
          target: '',
          details: {},
          bundleHash: 'b'.repeat(64),
        };
        const hash = entryHash(prev, e);
        await d.db('audit_log').insert({
          seq,
          at: e.at,
          actor: e.actor,
          action: e.action,
          target: '',
          details: '{}',
          bundle_hash: e.bundleHash,
          prev_hash: prev,
          hash,
        });
        prev = hash;
      }
      const t = await createTestApp({ database: d, migrate: true });
      try {
        expect(Number((await t.deps.db('audit_chain_start').first()).keyed_from)).toBe(4);
        const row = await t.deps.audit.append({ actor: 'system:test', action: 'test.new' });
        expect(row.seq).toBe(4);
        expect(row.key_id).toBe(t.deps.crypto.keyId);
        expect(await t.deps.db('audit_log').where('seq', '<', 4).whereNotNull('key_id').count({ n: '*' })).toEqual([
          { n: '0' },
        ]);
        const result = await t.deps.audit.verify();
        expect(result).toMatchObject({ ok: true, entries: 4, keyedFrom: 4 });
      } finally {
        await t.close();
      }
    } finally {
      await d.drop();
    }
  });
});

describe('an erasure certificate records the head', () => {
  let t: DemoApp;
  let workers: RunningWorkers;
  beforeAll(async () => {
    t = await createDemoApp();
    workers = startWorkers(t.deps, { reconcileEveryMs: 3_600_000 });
  }, 120_000);
  afterAll(async () => {
    await workers?.close();
    await t?.close();
  });

  it('deleting the entries from the certificate head on, triggers disabled, makes verify-log exit 1 naming the missing range', async () => {
    const [subject] = await sql<{ email: string }>(t.urls.crm, 'SELECT email FROM customers ORDER BY id DESC LIMIT 1');
    const id = await carriedThrough(t, 'erasure', subject.email, await officers(t));
    const cert = await t.deps.db('request_artefacts').where({ request_id: id, kind: 'certificate' }).first();
    expect(cert.audit_head_seq).not.toBeNull();
    const headSeq = Number(cert.audit_head_seq);
    expect((await t.deps.db('audit_log').where({ seq: headSeq }).first()).hash).toBe(cert.audit_head_hash);
    expect(
      await t.deps
        .db('audit_checkpoints')
        .where({ reason: `certificate:${id}` })
        .first(),
    ).toBeTruthy();
    const cli = cliRunner(t.env);
    expect((await cli(['audit', 'verify-log'])).code).toBe(0);
    await behindTheTriggers(t.deps.db, async (trx) => {
      await trx('audit_log').where('seq', '>=', headSeq).del();
      await trx('audit_checkpoints').del(); // the attacker removes every checkpoint too
    });
    const { code, err } = await cli(['audit', 'verify-log']);
    expect(code).toBe(1);
    expect(err).toContain(`entries ${headSeq}-${headSeq} are missing`);
    expect(err).toContain(`certificate of request ${id}`);
  }, 120_000);
});

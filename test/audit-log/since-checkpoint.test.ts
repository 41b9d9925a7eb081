// Verification from the last signed checkpoint: the start is trusted by the checkpoint's signature
// (not by the row), only the entries after it are walked, and the nightly chain audit starts from
// the newest checkpoint at or below the head its previous passed run verified.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createTestApp, type TestApp } from '../support/app';
import { cliRunner } from '../support/cli';
import { checkpointMac } from '../../server/audit-log/chain';
import { runAudit } from '../../server/audits/runs';

let t: TestApp;
beforeAll(async () => {
  // Only the checkpoints the tests record (no periodic ones in between).
  t = await createTestApp({ env: { LETHE_AUDIT_CHECKPOINT_EVERY: '100000' } });
});
afterAll(() => t.close());

const cli = (args: string[]) => cliRunner(t.env)(args);

/** What an attacker with owner rights does: switch the triggers off, change rows, switch them on. */
async function behindTheTriggers(db: Knex, change: (trx: Knex.Transaction) => Promise<void>) {
  await db.transaction(async (trx) => {
    for (const tb of ['audit_log', 'audit_checkpoints']) await trx.raw(`ALTER TABLE ${tb} DISABLE TRIGGER USER`);
    await change(trx);
    for (const tb of ['audit_log', 'audit_checkpoints']) await trx.raw(`ALTER TABLE ${tb} ENABLE TRIGGER USER`);
  });
}

/** Runs `check` while entry `seq`'s details are rewritten (hash left alone), then puts the entry back. */
async function whileTampered(seq: number, check: () => Promise<void>) {
  const original = await t.deps.db('audit_log').where({ seq }).first();
  await behindTheTriggers(t.deps.db, (trx) =>
    trx('audit_log')
      .where({ seq })
      .update({ details: JSON.stringify({ ...original.details, forged: true }) }),
  );
  try {
    await check();
  } finally {
    await behindTheTriggers(t.deps.db, (trx) =>
      trx('audit_log')
        .where({ seq })
        .update({ details: JSON.stringify(original.details) }),
    );
  }
}

async function appendSome(n: number, action = 'test.since') {
  for (let i = 0; i < n; i++) await t.deps.audit.append({ actor: 'system:test', action, details: { i } });
}

let cp: { seq: number; hash: string };
describe('verify from the last checkpoint', () => {
  beforeAll(async () => {
    await appendSome(6);
    cp = (await t.deps.audit.recordCheckpoint('test'))!;
    await appendSome(6);
  });

  it('walks only the entries from the newest checkpoint on and says where it started', async () => {
    const head = (await t.deps.audit.head())!;
    const r = await t.deps.audit.verify({ from: 'last-checkpoint' });
    expect(r).toMatchObject({ ok: true, from: cp.seq, headSeq: head.seq, head: head.hash });
    if (!r.ok) throw new Error(r.reason);
    expect(r.fromCheckpoint).not.toBeNull();
    expect(r.entries).toBe(head.seq - cp.seq + 1);
    const full = await t.deps.audit.verify();
    expect(full).toMatchObject({ ok: true, from: 1, fromCheckpoint: null, entries: head.seq, headSeq: head.seq });
    // A numeric start picks the newest checkpoint at or below it: none below cp.seq, so a full walk.
    expect(await t.deps.audit.verify({ from: cp.seq - 1 })).toMatchObject({ ok: true, from: 1 });
    expect(await t.deps.audit.verify({ from: cp.seq })).toMatchObject({ ok: true, from: cp.seq });
  });

  it('finds an entry tampered with after the checkpoint', async () => {
    await whileTampered(cp.seq + 2, async () => {
      const r = await t.deps.audit.verify({ from: 'last-checkpoint' });
      expect(r).toMatchObject({ ok: false, brokenSeq: cp.seq + 2, reason: 'content does not match its hash' });
      const { code, err } = await cli(['audit', 'verify-log', '--since-checkpoint']);
      expect(code).toBe(1);
      expect(err).toContain(`BROKEN at entry ${cp.seq + 2}`);
    });
    expect((await t.deps.audit.verify({ from: 'last-checkpoint' })).ok).toBe(true);
  });

  it('does not walk an entry before the checkpoint (that is the point); the full walk finds it', async () => {
    await whileTampered(cp.seq - 2, async () => {
      expect(await t.deps.audit.verify({ from: 'last-checkpoint' })).toMatchObject({ ok: true, from: cp.seq });
      expect(await t.deps.audit.verify()).toMatchObject({ ok: false, brokenSeq: cp.seq - 2 });
    });
  });

  it('refuses a forged checkpoint (no valid MAC)', async () => {
    const head = (await t.deps.audit.head())!;
    const real = await t.deps.db('audit_checkpoints').where({ seq: cp.seq }).first();
    const [forged] = await t.deps
      .db('audit_checkpoints')
      .insert({ ...real, id: undefined, seq: head.seq, hash: head.hash, mac: 'f'.repeat(64) })
      .returning('id');
    try {
      const r = await t.deps.audit.verify({ from: 'last-checkpoint' });
      expect(r).toMatchObject({ ok: false, brokenSeq: head.seq });
      if (r.ok) return;
      expect(r.reason).toMatch(/has no valid signature/);
      const { code, err } = await cli(['audit', 'verify-log', '--since-checkpoint']);
      expect(code).toBe(1);
      expect(err).toMatch(/no valid signature/);
    } finally {
      await behindTheTriggers(t.deps.db, (trx) => trx('audit_checkpoints').where({ id: forged.id }).del());
    }
  });

  it('refuses a start whose entry no longer carries the signed hash (rewritten row)', async () => {
    const entry = await t.deps.db('audit_log').where({ seq: cp.seq }).first();
    const next = await t.deps
      .db('audit_log')
      .where({ seq: cp.seq + 1 })
      .first();
    const other = 'a'.repeat(64);
    // The rewritten anchor row and the next entry's prev_hash agree: only the signature tells.
    await behindTheTriggers(t.deps.db, async (trx) => {
      await trx('audit_log').where({ seq: cp.seq }).update({ hash: other });
      await trx('audit_log')
        .where({ seq: cp.seq + 1 })
        .update({ prev_hash: other });
    });
    try {
      const r = await t.deps.audit.verify({ from: 'last-checkpoint' });
      expect(r).toMatchObject({ ok: false, brokenSeq: cp.seq });
      if (!r.ok) expect(r.reason).toMatch(/differs from the signed hash/);
    } finally {
      await behindTheTriggers(t.deps.db, async (trx) => {
        await trx('audit_log').where({ seq: cp.seq }).update({ hash: entry.hash });
        await trx('audit_log')
          .where({ seq: cp.seq + 1 })
          .update({ prev_hash: next.prev_hash });
      });
    }
    expect((await t.deps.audit.verify({ from: 'last-checkpoint' })).ok).toBe(true);
  });

  it('refuses a correctly signed checkpoint whose hash is not its entry’s', async () => {
    const head = (await t.deps.audit.head())!;
    const real = await t.deps.db('audit_checkpoints').where({ seq: cp.seq }).first();
    const fields = {
      seq: head.seq,
      hash: 'b'.repeat(64),
      keyedFrom: Number(real.keyed_from),
      reason: 'test',
      at: new Date(),
      keyId: t.deps.crypto.keyId,
    };
    const [row] = await t.deps
      .db('audit_checkpoints')
      .insert({
        seq: fields.seq,
        hash: fields.hash,
        keyed_from: fields.keyedFrom,
        reason: fields.reason,
        at: fields.at,
        key_id: fields.keyId,
        mac: checkpointMac(t.deps.crypto.key('audit-log'), fields),
      })
      .returning('id');
    try {
      const r = await t.deps.audit.verify({ from: 'last-checkpoint' });
      expect(r).toMatchObject({ ok: false, brokenSeq: head.seq });
      if (!r.ok) expect(r.reason).toMatch(/differs from the signed hash/);
    } finally {
      await behindTheTriggers(t.deps.db, (trx) => trx('audit_checkpoints').where({ id: row.id }).del());
    }
  });

  it('lethe audit verify-log --since-checkpoint names the checkpoint it started from', async () => {
    const head = (await t.deps.audit.head())!;
    const latest = await t.deps.db('audit_checkpoints').orderBy('seq', 'desc').first();
    const { code, out } = await cli(['audit', 'verify-log', '--since-checkpoint']);
    expect(code).toBe(0);
    expect(out).toBe(
      `audit log intact: ${head.seq - latest.seq + 1} entries (entries ${latest.seq}-${head.seq}, from signed checkpoint ${latest.id}), head ${head.hash}\n`,
    );
  });
});

describe('the nightly audit_log_chain run', () => {
  let n = 0;
  const run = () =>
    runAudit(t.deps, {
      kind: 'audit_log_chain',
      schedule: 'manual',
      tickAt: null,
      jobId: `since-${++n}`,
      triggeredBy: 'system:test',
    });
  const summaryOf = async () => {
    const r = await run();
    if (r.skipped) throw new Error('skipped');
    expect(r.run.status).toBe('passed');
    return r.run.summary as { from: number; headSeq: number; fromCheckpoint: string | null };
  };

  it('walks everything the first time, then starts at the newest checkpoint the previous run covered', async () => {
    const first = await summaryOf();
    expect(first.from).toBe(1);
    expect(first.fromCheckpoint).toBeNull();
    // No run before, but cp was at or below the first run's head: the second run starts there.
    const second = await summaryOf();
    expect(second.from).toBe(cp.seq);
    expect(second.from).toBeGreaterThan(first.from);
    // A checkpoint after the second run's head is not a start for the third; one before is.
    await appendSome(3, 'test.nightly');
    const mid = (await t.deps.audit.recordCheckpoint('test'))!;
    expect(mid.seq).toBeGreaterThan(second.headSeq);
    const third = await summaryOf();
    expect(third.from).toBe(cp.seq);
    const fourth = await summaryOf();
    expect(fourth.from).toBe(mid.seq);
    expect(fourth.from).toBeGreaterThan(second.from);
  });

  it('walks everything when the last run row claims a head its audit entry does not', async () => {
    const last = await t.deps
      .db('audit_runs')
      .where({ kind: 'audit_log_chain', status: 'passed' })
      .orderBy('started_at', 'desc')
      .first();
    const head = (await t.deps.audit.head())!;
    await t.deps
      .db('audit_runs')
      .where({ id: last.id })
      .update({ summary: JSON.stringify({ ...last.summary, headSeq: head.seq }) });
    const s = await summaryOf();
    expect(s.from).toBe(1);
  });

  it('finds an entry tampered with after its start', async () => {
    const head = (await t.deps.audit.head())!;
    await whileTampered(head.seq, async () => {
      const r = await run();
      if (r.skipped) throw new Error('skipped');
      expect(r.run.status).toBe('failed');
      expect(r.run.summary).toMatchObject({ brokenSeq: head.seq });
    });
  });
});

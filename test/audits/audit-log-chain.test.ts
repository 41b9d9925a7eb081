import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { runAudit } from '../../server/audits/runs';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

let n = 0;
const run = () =>
  runAudit(t.deps, {
    kind: 'audit_log_chain',
    schedule: 'manual',
    tickAt: null,
    jobId: `chain-${++n}`,
    triggeredBy: 'system:test',
  });

/** Rewrites one entry's details behind the chain's back (the trigger refusing updates lifted for it). */
async function rewrite(seq: number, details: object) {
  await t.deps.db.transaction(async (trx) => {
    await trx.raw('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
    await trx('audit_log')
      .where({ seq })
      .update({ details: JSON.stringify(details) });
    await trx.raw('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete');
  });
}

describe('audit_log_chain', () => {
  it('a tampered entry is a critical finding, deduplicated, remediated once restored, reopened when tampered again', async () => {
    for (let i = 0; i < 3; i++)
      await t.deps.audit.append({ actor: 'system:test', action: 'test.chain', details: { i } });
    const victim = await t.deps.db('audit_log').where({ action: 'test.chain' }).orderBy('seq').offset(1).first();
    const seq = Number(victim.seq);
    const finding = () => t.deps.db('findings').where({ kind: 'audit_log_chain', key: `broken:${seq}` });
    expect((await run()).run.status).toBe('passed');

    await rewrite(seq, { i: 99 });
    const first = await run();
    expect(first.run).toMatchObject({ status: 'failed', summary: { brokenSeq: seq } });
    const [f] = await finding();
    expect(f).toMatchObject({ severity: 'critical', status: 'open', occurrences: 1 });

    await run();
    expect(await finding()).toHaveLength(1);
    expect((await finding())[0]).toMatchObject({ id: f.id, status: 'open', occurrences: 2 });

    // Restored (as from a backup): the chain verifies again and the audit closes its finding.
    await rewrite(seq, { i: 1 });
    expect((await run()).run.status).toBe('passed');
    expect((await finding())[0]).toMatchObject({ status: 'remediated', occurrences: 2 });
    expect(await t.deps.db('audit_log').where({ action: 'finding.resolved', target: `finding:${f.id}` })).toHaveLength(
      1,
    );

    await rewrite(seq, { i: 98 });
    await run();
    expect(await finding()).toHaveLength(1);
    expect((await finding())[0]).toMatchObject({ id: f.id, status: 'open', reopened: 1, occurrences: 3 });
    await rewrite(seq, { i: 1 });
  }, 60_000);

  it('a break after the first is not looked at, so its finding stays open', async () => {
    for (let i = 0; i < 4; i++)
      await t.deps.audit.append({ actor: 'system:test', action: 'test.chain2', details: { i } });
    const [a, b] = await t.deps.db('audit_log').where({ action: 'test.chain2' }).orderBy('seq').offset(1).limit(2);
    await rewrite(Number(b.seq), { i: 97 });
    await run();
    const later = () =>
      t.deps
        .db('findings')
        .where({ kind: 'audit_log_chain', key: `broken:${b.seq}` })
        .first();
    expect(await later()).toMatchObject({ status: 'open' });
    // An earlier break hides the later one from the walk: not seen, not closed either.
    await rewrite(Number(a.seq), { i: 96 });
    const r = await run();
    expect(r.run.summary).toMatchObject({ brokenSeq: Number(a.seq) });
    expect(await later()).toMatchObject({ status: 'open' });
  }, 60_000);
});

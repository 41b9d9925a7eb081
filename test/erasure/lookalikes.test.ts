// Free text names the subject only by a whole address: ann@x.com must not hit joann@x.com or
// ann@x.community, in the erasure (redaction, embedding deletion), its preview, verification and
// the access export.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRequest } from '../../server/erasure/plan';
import { discoverIdentities, previewRequest, runErasure } from '../../server/erasure/execute';
import { verifyErasure } from '../../server/erasure/verify';
import { exportSubject } from '../../server/erasure/export';
import { redact, textMentions } from '../../server/erasure/sql';
import { DEMO_ANCHOR } from '../../server/demo/systems';
import { fixtureDecide } from '../fixtures/decide';
import { demoPolicy } from '../fixtures/demo-policy';
import { query, setupDemo, subject, type DemoEnv, type Subject } from './helpers';
import { memoryCheckpoints } from './checkpoints';

const decide = fixtureDecide(demoPolicy);
const keys = { hash: crypto.randomBytes(32), pseudonym: crypto.randomBytes(32) };
const now = new Date(DEMO_ANCHOR);

describe('free-text mentions match whole addresses only', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await setupDemo(12, 7);
  }, 120_000);
  afterAll(() => env?.drop());

  /** Prompts and embeddings of `owner` quoting `texts`; returns the new ids in order. */
  async function quote(owner: Subject, table: 'prompt_logs' | 'embeddings', texts: string[]): Promise<string[]> {
    const sql =
      table === 'prompt_logs'
        ? `INSERT INTO prompt_logs (user_email, prompt, completion, created_at) SELECT $1, t, 'ok', now() FROM unnest($2::text[]) WITH ORDINALITY u(t, n) ORDER BY n RETURNING id::text`
        : `INSERT INTO embeddings (customer_id, source_text, vector, created_at) SELECT $1, t, '{0.5}', now() FROM unnest($2::text[]) WITH ORDINALITY u(t, n) ORDER BY n RETURNING id::text`;
    const rows = await query<{ id: string }>(env.urls.assistant, sql, [
      table === 'prompt_logs' ? owner.email : owner.id,
      texts,
    ]);
    return rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
  }
  const json = (table: string, ids: string[]) =>
    query<{ id: string; j: string }>(
      env.urls.assistant,
      `SELECT id::text, row_to_json(t)::text AS j FROM ${table} t WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    );

  it('matches and redacts in Postgres exactly the whole occurrences', async () => {
    const cases: [string, string | null][] = [
      ['ann@x.com', '[redacted]'],
      ['ANN@X.COM', '[redacted]'],
      ['<ann@x.com>', '<[redacted]>'],
      ['write to ann@x.com.', 'write to [redacted].'],
      ['mailto:ann@x.com', 'mailto:[redacted]'],
      ['ann@x.com,Ann@x.com ann@x.com\nann@x.com', '[redacted],[redacted] [redacted]\n[redacted]'],
      ['(ann@x.com) not joann@x.com', '([redacted]) not joann@x.com'],
      ['joann@x.com', null],
      ['ann@x.community', null],
      ['ann@x.com.au', null],
      ['x.ann@x.com', null],
      ['ann@x.com-mail.org', null],
    ];
    const hit = textMentions('t', ['ann@x.com']);
    const red = redact('t', ['ann@x.com'], '[redacted]');
    const { rows } = await env.connections
      .get('assistant')
      .raw(`SELECT t, ${hit.sql} AS hit, ${red.sql} AS out FROM unnest(?::text[]) WITH ORDINALITY u(t, n) ORDER BY n`, [
        ...(hit.bindings as string[]),
        ...(red.bindings as string[]),
        cases.map((c) => c[0]),
      ]);
    expect(rows.map((r: { t: string; hit: boolean; out: string }) => [r.t, r.hit ? r.out : null])).toEqual(cases);
  });

  it('redacts and deletes only for the subject, leaves look-alikes byte-for-byte, and verification agrees', async () => {
    const s = await subject(env, 3);
    const other = await subject(env, 5);
    const e = s.email;
    const lookalikes = [`Please forward to jo${e} today`, `Ask ${e}munity instead`, `Or ${e}.au`];
    const real: [string, string][] = [
      [`Mail ${e.toUpperCase()} now`, 'Mail [redacted] now'],
      [`Contact <${e}>`, 'Contact <[redacted]>'],
      [`write to ${e}.`, 'write to [redacted].'],
      [`mailto:${e}`, 'mailto:[redacted]'],
      [`${e} and jo${e}`, `[redacted] and jo${e}`],
    ];
    const promptLookalikes = await quote(other, 'prompt_logs', lookalikes);
    const promptReal = await quote(
      other,
      'prompt_logs',
      real.map((r) => r[0]),
    );
    const embLookalikes = await quote(other, 'embeddings', lookalikes);
    const [embReal] = await quote(other, 'embeddings', [`Customer quoted ${e}`]);
    const untouched = [...(await json('prompt_logs', promptLookalikes)), ...(await json('embeddings', embLookalikes))];

    const identity = await discoverIdentities({
      datamap: env.datamap,
      connections: env.connections,
      identity: { email: [e] },
    });
    const plan = planRequest({ datamap: env.datamap, decide, regulation: 'gdpr', identity });
    const ctx = { connections: env.connections, identity, keys, now };
    const preview = await previewRequest(plan, ctx);
    expect(preview.tables.find((t) => t.key === 'assistant.embeddings')!.mentions).toEqual([
      { column: 'source_text', action: 'delete', rows: 1 },
    ]);
    const outcome = await runErasure(plan, ctx, memoryCheckpoints());
    for (const key of ['assistant.prompt_logs', 'assistant.embeddings']) {
      expect(outcome.results[key].mentionsErased, key).toBe(
        preview.tables.find((t) => t.key === key)!.mentions.reduce((n, m) => n + m.rows, 0),
      );
    }

    expect([...(await json('prompt_logs', promptLookalikes)), ...(await json('embeddings', embLookalikes))]).toEqual(
      untouched,
    );
    const prompts = await query<{ prompt: string }>(
      env.urls.assistant,
      'SELECT prompt FROM prompt_logs WHERE id = ANY($1::bigint[]) ORDER BY id',
      [promptReal],
    );
    expect(prompts.map((p) => p.prompt)).toEqual(real.map((r) => r[1]));
    expect(await query(env.urls.assistant, 'SELECT id FROM embeddings WHERE id = $1', [embReal])).toEqual([]);

    // The look-alikes are still there, and are not the subject's data.
    const v = await verifyErasure({
      datamap: env.datamap,
      connections: env.connections,
      identity,
      decide,
      regulation: 'gdpr',
      now,
    });
    expect(v).toMatchObject({ clean: true, remaining: [], problems: [] });
    // A real mention written afterwards is found (the scan is not simply blind to free text).
    await quote(other, 'prompt_logs', [`again: ${e}!`]);
    const again = await verifyErasure({
      datamap: env.datamap,
      connections: env.connections,
      identity,
      decide,
      regulation: 'gdpr',
      now,
    });
    expect(again.remaining).toEqual([{ system: 'assistant', table: 'prompt_logs', column: 'prompt', rows: 1 }]);
  });

  it('leaves look-alikes out of the access package', async () => {
    const s = await subject(env, 4);
    const other = await subject(env, 6);
    const e = s.email;
    const promptLookalike = await quote(other, 'prompt_logs', [`cc jo${e}`, `cc ${e}munity`]);
    const [promptReal] = await quote(other, 'prompt_logs', [`cc <${e}>`]);
    const embLookalike = await quote(other, 'embeddings', [`quoted jo${e}`]);
    const [embReal] = await quote(other, 'embeddings', [`quoted ${e}.`]);
    const identity = await discoverIdentities({
      datamap: env.datamap,
      connections: env.connections,
      identity: { email: [e] },
    });
    const pkg = await exportSubject({
      datamap: env.datamap,
      connections: env.connections,
      identity,
      requestId: 'req-1',
      subjectFingerprint: 'f'.repeat(64),
    });

    const ids = (table: string, column: string) =>
      (pkg.json.systems.assistant[table]?.mentions ?? [])
        .filter((m) => m.column === column)
        .map((m) => String(m.key.id));
    expect(ids('prompt_logs', 'prompt')).toContain(promptReal);
    expect(ids('embeddings', 'source_text')).toEqual([embReal]);
    for (const id of promptLookalike) expect(ids('prompt_logs', 'prompt')).not.toContain(id);
    for (const id of embLookalike) expect(ids('embeddings', 'source_text')).not.toContain(id);
    expect(JSON.stringify(pkg.json)).not.toContain(`jo${e}`);
    expect(JSON.stringify(pkg.json)).not.toContain(`${e}munity`);
  });
});

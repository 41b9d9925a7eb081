// Verification looks for the subject's phone number written inside free text, in each spelling it
// searches for, and not for a number that only shares digits with it. The spellings are matched with
// LIKE behind one shared run of characters (ILIKE lower-cased every row once per spelling): the rows
// found must be exactly the ones a plain reading of the text finds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commonSubstring, textForms, verifyErasure } from '../../server/erasure/verify';
import { DEMO_ANCHOR } from '../../server/demo/systems';
import { fixtureDecide } from '../fixtures/decide';
import { demoPolicy } from '../fixtures/demo-policy';
import { query, setupDemo, subject, type DemoEnv, type Subject } from './helpers';

const decide = fixtureDecide(demoPolicy);
const now = new Date(DEMO_ANCHOR);

describe('verification finds a phone number written in free text', () => {
  let env: DemoEnv;
  beforeAll(async () => {
    env = await setupDemo(12, 11);
  }, 120_000);
  afterAll(() => env?.drop());

  async function prompts(owner: Subject, texts: string[]): Promise<void> {
    await query(
      env.urls.assistant,
      `INSERT INTO prompt_logs (user_email, prompt, completion, created_at) SELECT $1, t, 'ok', now() FROM unnest($2::text[]) t`,
      [owner.email, texts],
    );
  }
  const promptRows = (v: Awaited<ReturnType<typeof verifyErasure>>) =>
    v.remaining.find((r) => r.table === 'prompt_logs' && r.column === 'prompt')?.rows ?? 0;

  it('in each spelling searched for, and not a number sharing only some digits', async () => {
    const customers = await query<{ id: string }>(env.urls.crm, 'SELECT id::text FROM customers ORDER BY id');
    const people = await Promise.all(customers.map((c) => subject(env, Number(c.id))));
    const s = people.find((p) => p.phone)!;
    const other = people.find((p) => p !== s)!;
    const e164 = s.phone!.replace(/ /g, '');
    const digits = e164.slice(3); // the national number, without +44
    const verify = () =>
      verifyErasure({
        datamap: env.datamap,
        connections: env.connections,
        identity: { email: [s.email], phone: [e164] },
        decide,
        regulation: 'gdpr',
        now,
      });
    const before = promptRows(await verify());

    // Not the subject's: the last digit differs, or only the run of digits all spellings share is there.
    const changed = e164.slice(0, -1) + ((Number(e164.at(-1)) + 1) % 10);
    await prompts(other, [`Ring ${changed} instead`, `Order ref 33${digits.slice(2)}9`, `Tracking ${digits.slice(2)}`]);
    expect(promptRows(await verify())).toBe(before);

    const spellings = [
      e164,
      s.phone!, // as the CRM stores it, libphonenumber's international form: +44 7700 900123
      `0${s.phone!.slice(4)}`, // national: 07700 900123
      `+44 ${digits}`,
      `0044 ${digits}`,
      `+44 (0)${digits}`,
      `+44 ${digits.slice(0, 2)} ${digits.slice(2)}`,
      `+44${digits.slice(0, 2)} ${digits.slice(2)}`,
      `0044 ${digits.slice(0, 2)} ${digits.slice(2)}`,
    ];
    await prompts(
      other,
      spellings.map((p) => `Please call me back on ${p} after five`),
    );
    expect(promptRows(await verify())).toBe(before + spellings.length);
  });

  it('searches free text for the international and national forms people copy a number in', () => {
    expect(textForms('+447700900123')).toEqual(expect.arrayContaining(['+44 7700 900123', '07700 900123']));
    expect(textForms('+34612345678')).toEqual(expect.arrayContaining(['+34 612 34 56 78', '612 34 56 78']));
  });

  it('the shared run is the longest string every spelling contains', () => {
    expect(commonSubstring(['+447700900501', '+44 7700900501', '0044 77 00900501'])).toBe('00900501');
    expect(commonSubstring(['+442079460958', '+44 20 7946 0958', '020 7946 0958'])).toBe('7946');
    expect(commonSubstring(['abc', 'xyz'])).toBe('');
    expect(commonSubstring(['+15551234567'])).toBe('+15551234567');
    expect(commonSubstring([])).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { copyBundle, edit, positionOf, runCli } from './helpers';

// Ownership is explicit (issue 8): `identity:` finds the subject's rows, `mentions:` names other
// people. A column that says both, a mention in the primary key, or a mention of a kind no identity
// column holds is refused, each at its node.
describe('lethe policy check: identity and mentions columns', () => {
  it('accepts the shipped support map, where cc_email is declared as a mention', async () => {
    const dir = await copyBundle();
    const { code, stdout } = await runCli('policy', 'check', dir);
    expect(code, stdout).toBe(0);
  });

  it('refuses a column that is both identity and mentions, a mention in the primary key and a mention of an unknown kind', async () => {
    const dir = await copyBundle();
    await edit(dir, 'datamap/support.yaml', '        mentions: email # customers copy', '        identity: email\n        mentions: email # customers copy');
    await edit(dir, 'datamap/support.yaml', "        identity: email\n      - name: body\n        categories: [user.content.private]\n      - name: sent_at", "        mentions: emial\n      - name: body\n        categories: [user.content.private]\n      - name: sent_at");
    await edit(dir, 'datamap/support.yaml', '    primary_key: [id]\n    columns:\n      - name: id\n        categories: [system.operations]\n      - name: customer_id', '    primary_key: [id]\n    columns:\n      - name: id\n        categories: [system.operations]\n        mentions: customer_id\n      - name: customer_id');
    const { code, stdout } = await runCli('policy', 'check', dir);
    expect(code).toBe(1);
    const lines = stdout.split('\n');
    const expected = [
      [await positionOf(dir, 'datamap/support.yaml', 'mentions: email # customers copy', 10), 'is both identity and mentions'],
      [await positionOf(dir, 'datamap/support.yaml', 'mentions: emial', 10), 'mentions "emial": no identity column of that kind'],
      [await positionOf(dir, 'datamap/support.yaml', 'mentions: customer_id', 10), 'is in the primary key'],
    ];
    for (const [at, text] of expected) expect(lines.some((l) => l.startsWith(at) && l.includes(text)), `${at} ${text}\n--- got:\n${stdout}`).toBe(true);
  });
});

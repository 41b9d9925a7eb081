// The verification scan of a files dataset (server/erasure/files/scan.ts countHits) narrows the rows
// in DuckDB with one regular expression per column (addresses as case-folded literals, phone numbers
// as their digits with anything but digits between), then decides each cell in JavaScript. The
// narrowing must never drop a real hit: addresses whose local part holds regular-expression
// metacharacters (all legal in an address), quotes, any case, and phone numbers in any spelling.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countHits, probeFor } from '../../server/erasure/files/scan';
import type { FilesSpec } from '../../server/erasure/files/dataset';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-verify-probe-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const ODD = "j*o$e+{1}|x^(y)?[z].o'neil@example.org";
const PHONE_DIGITS = ['447700900123', '7700900123'];
const rows = [
  { id: 1, email: 'bo@example.com', note: `Wrote to ${ODD.toUpperCase()} about the refund` }, // odd address, other case
  { id: 2, email: ODD, note: 'her own row' }, // the identity column
  { id: 3, email: 'cy@example.com', note: 'call +44 (0)7700-900 123 after six' }, // a phone spelled another way
  { id: 4, email: 'dee@example.com', note: 'ring 07700 900123' },
  { id: 5, email: 'ed@example.com', note: 'jxoe@example.org and 7700 900 124 are someone else' }, // look-alikes
  { id: 6, email: 'fay@example.com', note: 'nothing here' },
];

describe('the files verification probe', () => {
  it('finds every real hit — metacharacters and quotes in an address, any case, any phone spelling — and no look-alike', async () => {
    fs.mkdirSync(path.join(root, 'data'));
    fs.writeFileSync(path.join(root, 'data/rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const spec: FilesSpec = { name: 'rows', glob: 'data/*.jsonl', format: 'jsonl' };
    const identity = { email: [ODD] };
    const probes = [
      probeFor('email', 'email', true, false, identity, [ODD], [ODD], PHONE_DIGITS),
      probeFor('note', undefined, true, true, identity, [ODD], [ODD], PHONE_DIGITS),
    ];
    const result = await countHits(root, spec, probes, { contains: [ODD], digits: PHONE_DIGITS }, [
      'id',
      'email',
      'note',
    ]);
    expect(Object.fromEntries(result.hits)).toEqual({ email: 1, note: 3 });
    expect(result.missing).toEqual([]);
    expect(result.files).toBe(1);
  });

  it('finds exact values between blanks JavaScript trims and in any case, and a non-ASCII address in another case', async () => {
    const NON_ASCII = 'José.Núñez@example.es';
    fs.mkdirSync(path.join(root, 'blanks'));
    // Each row is read for one column alone (a row another column selects has every cell decided).
    const lines = [
      { id: 1, email: '\tCUST-0042 \n', note: 'nothing' }, // a tab and a newline around it, other case
      { id: 2, email: '\u00a0cust-0042\ufeff', note: 'nothing' }, // NBSP and BOM around it
      { id: 3, email: 'cust-00421', note: 'josé.núñez@example.es.fake is not it' }, // look-alikes: longer
      { id: 4, email: 'xcust-0042', note: 'mail jose.nunez@example.es' }, // a prefix; the address without accents
      { id: 5, email: 'other', note: `Écrit à ${NON_ASCII.toUpperCase()} hier` }, // other case
      { id: 6, email: 'other', note: `copy to ${NON_ASCII}` },
    ];
    fs.writeFileSync(path.join(root, 'blanks/rows.jsonl'), lines.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const spec: FilesSpec = { name: 'blanks', glob: 'blanks/*.jsonl', format: 'jsonl' };
    const identity = { customer_ref: ['Cust-0042'], email: [NON_ASCII] };
    const probes = [
      { column: 'email', values: ['cust-0042'], ci: true, contains: [], digits: [] },
      probeFor('note', undefined, true, true, identity, [], [NON_ASCII], []),
    ];
    const result = await countHits(root, spec, probes, { contains: [], digits: [] }, ['id', 'email', 'note']);
    // email: rows 1 and 2 (JavaScript's trim() removes tab, newline, NBSP and BOM); note: rows 5 and 6.
    expect(Object.fromEntries(result.hits)).toEqual({ email: 2, note: 2 });
  });

  it('counts an unmapped column’s addresses and phone numbers as warnings', async () => {
    fs.mkdirSync(path.join(root, 'extra'));
    fs.writeFileSync(
      path.join(root, 'extra/rows.csv'),
      `id,email,comment\n1,x@example.com,"see ${ODD}"\n2,y@example.com,"tel. 0044 7700 900 123"\n3,z@example.com,none\n`,
    );
    const spec: FilesSpec = { name: 'extra', glob: 'extra/*.csv', format: 'csv' };
    const identity = { email: [ODD] };
    const probes = [probeFor('email', 'email', true, false, identity, [ODD], [ODD], PHONE_DIGITS)];
    const result = await countHits(root, spec, probes, { contains: [ODD], digits: PHONE_DIGITS }, ['id', 'email']);
    expect(result.unmapped).toEqual(['comment']);
    expect(Object.fromEntries(result.unmappedHits)).toEqual({ comment: 2 });
    expect(result.hits.size).toBe(0);
  });
});

// The verification scan of a files dataset (server/erasure/files/scan.ts countHits) narrows the rows
// in DuckDB with one case-insensitive regular expression per column (exact values between blanks,
// addresses as literals, phone numbers as their digits with anything but digits between), then decides
// each cell in JavaScript. The narrowing must never drop a real hit: addresses whose local part holds
// regular-expression metacharacters (all legal in an address), quotes, any case, phone numbers in any
// spelling, values padded with any blank JavaScript trims, letters the two lower-cases fold differently.
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

  it('finds exact values between any blanks JavaScript trims and in any case, İ and final sigma, and a non-ASCII address in another case', async () => {
    const NON_ASCII = 'José.Núñez@example.es';
    fs.mkdirSync(path.join(root, 'blanks'));
    // Each row is selected by one column alone (a row another column selects has every cell decided).
    const lines = [
      { id: 1, email: '\tCUST-0042 \n' }, // a tab and a newline around it, other case
      { id: 2, email: '\u00a0cust-0042\ufeff' }, // NBSP and BOM around it
      { id: 3, email: '\u000bcust-0042' }, // a vertical tab (not in RE2's \s)
      { id: 4, email: 'cust-00421', note: 'josé.núñez@example.es.fake is not it' }, // look-alikes: longer
      { id: 5, email: 'xcust-0042', note: 'mail jose.nunez@example.es' }, // a prefix; the address without accents
      { id: 6, note: `Écrit à ${NON_ASCII.toUpperCase()} hier` }, // other case
      { id: 7, note: `copy to ${NON_ASCII}` },
      { id: 8, name: '\tİlker Yılmaz\u00a0' }, // İ lower-cases to i + U+0307 in JavaScript, to i in DuckDB
      { id: 9, name: 'ΚΩΣΤΑΣ' }, // final sigma: κωστας in JavaScript, κωστασ in DuckDB
      { id: 10, name: 'ilker yılmaz' }, // a look-alike: no dot on the i
    ];
    fs.writeFileSync(path.join(root, 'blanks/rows.jsonl'), lines.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const spec: FilesSpec = { name: 'blanks', glob: 'blanks/*.jsonl', format: 'jsonl' };
    const probes = [
      { column: 'email', values: ['Cust-0042'], ci: true, contains: [], digits: [] },
      { column: 'name', values: ['İlker Yılmaz', 'Κωστας'], ci: true, contains: [], digits: [] },
      probeFor('note', undefined, true, true, { email: [NON_ASCII] }, [], [NON_ASCII], []),
    ];
    const result = await countHits(root, spec, probes, { contains: [], digits: [] }, ['id', 'email', 'name', 'note']);
    expect(Object.fromEntries(result.hits)).toEqual({ email: 3, name: 2, note: 2 });
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

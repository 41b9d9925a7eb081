// The streaming rewrite of CSV and JSONL (issue 20) across its 4 MB read chunks: records that span
// chunk boundaries, CSV fields with embedded newlines and doubled quotes, and a JSON value written
// with a \u escape that the byte prefilter cannot see directly. The result must equal a reference
// built from the generator's own records (CSV) or JSON.parse per line (JSONL), byte for byte.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eraseFiles } from '../../server/systems/engines/files';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-files-stream-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const SUBJECT = 'ann.lee@example.com';

describe('streaming rewrite across chunks', () => {
  it('drops exactly the subject’s CSV records from a 10 MB file whose quoted fields span lines and chunks', async () => {
    // The generator knows each record's exact bytes and owner: the reference is those records filtered.
    const records: { raw: string; subject: boolean }[] = [{ raw: 'id,email,note\r\n', subject: false }];
    let size = 0;
    for (let i = 0; size < 10 * 1024 * 1024; i++) {
      const subject = i % 997 === 13;
      const email = subject ? (i % 2 ? SUBJECT.toUpperCase() : SUBJECT) : `user${i}@example.com`;
      const note =
        i % 3 === 0 ? `"line one of ${i}\nline two, ""quoted""\r\nline three ${'x'.repeat(i % 150)}"` : `plain ${i}`;
      const raw = `${i},${email},${note}\r\n`;
      records.push({ raw, subject });
      size += raw.length;
    }
    fs.mkdirSync(path.join(root, 'csv'));
    fs.writeFileSync(path.join(root, 'csv/big.csv'), records.map((r) => r.raw).join(''));
    const expected = records.filter((r) => !r.subject);
    const dropped = records.length - expected.length;
    expect(dropped).toBeGreaterThan(5);
    const [result] = await eraseFiles(
      root,
      { name: 'big', glob: 'csv/big.csv', format: 'csv', identity: { email: 'email' } },
      { email: [SUBJECT] },
      { kind: 'delete' },
      { reference: 'r' },
    );
    expect(result).toMatchObject({ rowsBefore: records.length - 1, rowsMatched: dropped });
    const after = fs.readFileSync(path.join(root, 'csv/big.csv'), 'utf8');
    expect(after.length).toBe(expected.reduce((n, r) => n + r.raw.length, 0));
    expect(after === expected.map((r) => r.raw).join('')).toBe(true);
  });

  it('finds a JSONL record whose email is written with a \\u escape, and keeps every other line', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      if (i === 30_001) lines.push(`{"id":${i},"user_email":"ann.lee\\u0040example.com","text":"escaped"}\n`);
      else if (i % 5000 === 7) lines.push(`{"id":${i},"user_email":"${SUBJECT}","text":"${'y'.repeat(200)}"}\n`);
      else lines.push(`{"id": ${i}, "user_email": "u${i}@example.com", "text": "caf\\u00e9 ${'z'.repeat(i % 120)}"}\n`);
    }
    fs.mkdirSync(path.join(root, 'jsonl'));
    fs.writeFileSync(path.join(root, 'jsonl/set.jsonl'), lines.join(''));
    const expected = lines.filter((l) => (JSON.parse(l) as { user_email: string }).user_email !== SUBJECT);
    expect(lines.length - expected.length).toBe(13);
    await eraseFiles(
      root,
      { name: 'set', glob: 'jsonl/set.jsonl', format: 'jsonl', identity: { user_email: 'email' } },
      { email: [SUBJECT] },
      { kind: 'delete' },
      { reference: 'r' },
    );
    expect(fs.readFileSync(path.join(root, 'jsonl/set.jsonl'), 'utf8') === expected.join('')).toBe(true);
  });
});

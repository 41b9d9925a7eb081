import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCsv } from './csv';
import { toTar } from './tar';

describe('toCsv', () => {
  it('quotes commas, quotes and line breaks, and defuses spreadsheet formulas', () => {
    const csv = toCsv(
      ['id', 'note', 'when', 'tags'],
      [
        { id: 1, note: 'said "hi", then\nleft', when: new Date('2026-01-02T03:04:05Z'), tags: ['a', 'b'] },
        { id: 2, note: '=HYPERLINK("x")', when: null, tags: null },
        { id: 3, note: '-12.5', when: null, tags: null },
      ],
    );
    expect(csv).toBe(
      'id,note,when,tags\r\n1,"said ""hi"", then\nleft",2026-01-02T03:04:05.000Z,"[""a"",""b""]"\r\n2,"\'=HYPERLINK(""x"")",,\r\n3,-12.5,,\r\n',
    );
  });
});

describe('toTar', () => {
  it('writes an archive that tar lists and extracts byte for byte', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-tar-'));
    try {
      const file = path.join(dir, 'p.tar');
      fs.writeFileSync(
        file,
        toTar([
          { path: 'subject.json', content: '{"a":1}\n' },
          { path: 'crm/customers.csv', content: 'id\r\n1\r\n' },
        ]),
      );
      expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n')).toEqual([
        'subject.json',
        'crm/customers.csv',
      ]);
      execFileSync('tar', ['-xf', file, '-C', dir]);
      expect(fs.readFileSync(path.join(dir, 'crm/customers.csv'), 'utf8')).toBe('id\r\n1\r\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

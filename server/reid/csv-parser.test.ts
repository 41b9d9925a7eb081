import { describe, expect, it } from 'vitest';
import { CsvParser, fieldText } from './csv-parser';
import { detectDelimiter } from './csv-delimiter';

/** Parses text fed in chunks of `chunk` bytes, carrying the unparsed tail like csv-source does. */
function parse(text: string, chunk = Infinity, delimiter = ','): string[][] {
  const rows: string[][] = [];
  const parser = new CsvParser(delimiter.charCodeAt(0), (buf, starts, ends, escaped, _suspect, fields) => {
    rows.push(Array.from({ length: fields }, (_, i) => fieldText(buf, starts[i], ends[i], escaped[i])));
  });
  const all = Buffer.from(text, 'utf8');
  let tail = Buffer.alloc(0);
  for (let pos = 0; pos < all.length; pos += chunk) {
    const work = Buffer.concat([tail, all.subarray(pos, Math.min(all.length, pos + chunk))]);
    tail = Buffer.from(work.subarray(parser.parse(work, false)));
  }
  parser.parse(tail, true);
  return rows;
}

const tricky =
  'name,note,city\r\n' +
  '"Doe, Jane","said ""hi""",Zürich\r\n' +
  '"multi\nline",,東京\n' +
  'plain,"",\r' +
  'last,x"y,😀';

const expected = [
  ['name', 'note', 'city'],
  ['Doe, Jane', 'said "hi"', 'Zürich'],
  ['multi\nline', '', '東京'],
  ['plain', '', ''],
  ['last', 'x"y', '😀'],
];

describe('CsvParser', () => {
  it('handles quoted delimiters, escaped quotes, newlines in quotes, CRLF, lone CR and non-ASCII text', () => {
    expect(parse(tricky)).toEqual(expected);
  });

  it('gives the same rows however the bytes are split into chunks', () => {
    for (const chunk of [1, 2, 3, 5, 7, 16]) expect(parse(tricky, chunk)).toEqual(expected);
  });

  it('keeps a trailing empty field and skips blank lines', () => {
    expect(parse('a,b\n\n1,\n\r\n2,3\n')).toEqual([
      ['a', 'b'],
      ['1', ''],
      ['2', '3'],
    ]);
  });

  it('parses other delimiters', () => {
    expect(parse('a;b\n"x;y";z\n', Infinity, ';')).toEqual([
      ['a', 'b'],
      ['x;y', 'z'],
    ]);
    expect(parse('a\tb\n1\t2', Infinity, '\t')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('flags only fields that might hold an identifier', () => {
    const flags: number[][] = [];
    const p = new CsvParser(44, (_b, _s, _e, _x, suspect, fields) =>
      flags.push(Array.from(suspect.subarray(0, fields))),
    );
    p.parse(Buffer.from('12345,a@b.co,10.0.0.1,+49 30 1234567,2001:db8::1,Zürich,1.5\n'), true);
    expect(flags).toEqual([[0, 1, 1, 1, 1, 0, 0]]);
  });

  it('rejects an unclosed quote and text after a closing quote, naming the row', () => {
    expect(() => parse('a,b\n1,"open\n')).toThrow(/row 2.*never closed/);
    expect(() => parse('a,b\n"x"y,1\n')).toThrow(/row 2.*closing quote is followed/);
  });
});

describe('detectDelimiter', () => {
  const detect = (text: string) => detectDelimiter(Buffer.from(text), true);

  it('picks the delimiter that splits every row into the same number of fields', () => {
    expect(detect('a;b;c\n1;2;3\n')).toBe(';');
    expect(detect('a\tb\n1\t2\n')).toBe('\t');
    expect(detect('a|b\n1|2\n')).toBe('|');
    expect(detect('a,b\n1,2\n')).toBe(',');
  });

  it('ignores delimiters inside quotes', () => {
    expect(detect('name;city\n"Doe, Jane";"Paris, TX"\n"Roe, R";Bonn\n')).toBe(';');
  });

  it('falls back to a comma for a single column', () => {
    expect(detect('zip\n12345\n')).toBe(',');
  });
});

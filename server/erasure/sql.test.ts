import { describe, expect, it } from 'vitest';
import { addressPattern, redact, textMentions } from './sql';

// The pattern uses only syntax that JavaScript and PostgreSQL regexes read the same way, so its
// boundaries can be checked here; test/erasure/lookalikes.test.ts runs it in Postgres.
const re = (emails: string[]) => new RegExp(addressPattern(emails), 'i');

describe('addressPattern', () => {
  it('matches whole addresses, case-insensitively, whatever punctuation surrounds them', () => {
    for (const s of [
      'ann@x.com',
      'ANN@X.COM',
      '<ann@x.com>',
      'write to ann@x.com.',
      'mailto:ann@x.com',
      '(ann@x.com)',
      'to: ann@x.com, bob',
      'ann@x.com...',
    ])
      expect(re(['ann@x.com']).test(s), s).toBe(true);
  });

  it('does not match inside a longer address', () => {
    for (const s of [
      'joann@x.com',
      'ann@x.community',
      'ann@x.com.au',
      'x.ann@x.com',
      'j-ann@x.com',
      'a+ann@x.com',
      'ann@x.com-mail.org',
      'ann@x.comx',
      'annax.com',
    ])
      expect(re(['ann@x.com']).test(s), s).toBe(false);
  });

  it('escapes the addresses and accepts several', () => {
    expect(addressPattern(['a.b+c@x.com', 'd@y.org'])).toContain('(?:a\\.b\\+c@x\\.com|d@y\\.org)');
    expect(re(['a.b+c@x.com', 'd@y.org']).test('cc d@y.org')).toBe(true);
    expect(re(['a.b+c@x.com']).test('a.bbc@x.com')).toBe(false);
  });

  it('binds the values: prefilter and regex in textMentions, pattern and back-reference in redact', () => {
    expect(textMentions('body', ['ann@x.com'])).toEqual({
      sql: '("body" ILIKE ? AND "body" ~* ?)',
      bindings: ['%ann@x.com%', addressPattern(['ann@x.com'])],
    });
    expect(redact('body', ['ann@x.com'], '[redacted]').bindings).toEqual([
      addressPattern(['ann@x.com']),
      '\\1[redacted]',
    ]);
  });
});

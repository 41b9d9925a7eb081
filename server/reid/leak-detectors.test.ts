import { describe, expect, it } from 'vitest';
import {
  detectIdentifiers,
  ibanValid,
  luhnValid,
  maskIdentifier,
  maskIdentifiersInText,
  mightContainIdentifier,
  mightContainIdentifierBytes,
} from './leak-detectors';
import { LeakScanner } from './leak-scan';

const kinds = (text: string) => detectIdentifiers(text).map((d) => `${d.detector}:${d.text}`);

const IDENTIFIERS: [string, string][] = [
  ['email', 'jane.doe@example.com'],
  ['email', 'zoë@bücher.de'],
  ['phone', '+49 30 1234567'],
  ['phone', '+1 (415) 555-0123'],
  ['phone', '(415) 555-0123'],
  ['phone', '415.555.0123'],
  ['phone', '030 1234567'],
  ['phone', '020 7946 0958'],
  ['payment_card', '4242424242424242'],
  ['payment_card', '4111 1111 1111 1111'],
  ['payment_card', '3782-822463-10005'],
  ['iban', 'DE89370400440532013000'],
  ['iban', 'GB82 WEST 1234 5698 7654 32'],
  ['iban', 'NO9386011117947'],
  ['iban', 'FR1420041010050500013M02606'],
  ['us_ssn', '123-45-6789'],
  ['ipv4', '192.168.1.20'],
  ['ipv6', '2001:db8::8a2e:370:7334'],
  ['ipv6', 'fe80:0:0:0:202:b3ff:fe1e:8329'],
];

describe('direct identifier detectors', () => {
  it.each(IDENTIFIERS)('finds a %s in "%s" on its own and inside text', (detector, value) => {
    expect(kinds(value)).toEqual([`${detector}:${value}`]);
    expect(kinds(`see ${value}, thanks`)).toEqual([`${detector}:${value}`]);
  });

  it('checks card numbers with Luhn and an issuer prefix', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
    expect(kinds('4242424242424241')).toEqual([]);
    expect(kinds('9999999999999995')).toEqual([]); // Luhn-valid, but no card issuer starts with 9
  });

  it('checks IBANs with the country length and mod-97', () => {
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false); // check digits no longer match
    expect(ibanValid('DE8937040044053201300')).toBe(false); // 21 characters, Germany has 22
    expect(ibanValid('de89 3704 0044 0532 0130 00')).toBe(true);
    expect(kinds('DE89370400440532013001')).toEqual([]);
  });

  it('rejects SSNs outside the issued ranges', () => {
    for (const bad of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-6789', '123-45-0000'])
      expect(kinds(bad)).toEqual([]);
  });

  it('does not take dates, amounts, times, versions or MAC addresses for identifiers', () => {
    for (const text of [
      '2024-01-15',
      '05-06-2023',
      '12345678',
      '1 234 567',
      '12:30:45',
      '00:1A:2B:3C:4D:5E',
      '256.1.1.1',
      '1.2.3',
      '::1',
      '::',
    ]) {
      expect(kinds(text)).toEqual([]);
    }
  });

  it('counts a valid card number once, as a card and not also as a phone number', () => {
    expect(kinds('card 4242 4242 4242 4242 exp 12/27')).toEqual(['payment_card:4242 4242 4242 4242']);
  });

  it('masks every kind without ever reproducing the identifier or its digits', () => {
    for (const [detector, value] of IDENTIFIERS) {
      const masked = maskIdentifier(detector as never, value);
      expect(masked).not.toContain(value);
      const digits = value.replace(/\D/g, '');
      if (digits.length >= 4) expect(masked.replace(/\D/g, '')).not.toContain(digits);
      expect(masked).toContain('*');
    }
    expect(maskIdentifier('email', 'jane.doe@example.com')).toBe('j***@e***.com');
    expect(maskIdentifier('payment_card', '4242 4242 4242 4242')).toBe('**** **** **** 4242');
    expect(maskIdentifier('iban', 'DE89370400440532013000')).toBe('DE** **** **** **** **30 00');
    expect(maskIdentifier('us_ssn', '123-45-6789')).toBe('***-**-6789');
    expect(maskIdentifier('phone', '+49 30 1234567')).toBe('+** ** *****67');
    expect(maskIdentifier('ipv4', '192.168.1.20')).toBe('192.*.*.*');
  });

  it('masks identifiers inside free text and leaves the rest', () => {
    expect(maskIdentifiersInText('mail jane@example.com or call 415-555-0123')).toBe(
      'mail j***@e***.com or call ***-***-**23',
    );
    expect(maskIdentifiersInText('Zürich 8001')).toBe('Zürich 8001');
  });

  it('has a pre-filter that lets every identifier through, on strings and on bytes alike', () => {
    for (const [, value] of IDENTIFIERS) {
      expect(mightContainIdentifier(value)).toBe(true);
      const b = Buffer.from(`x${value}x`);
      expect(mightContainIdentifierBytes(b, 1, b.length - 1)).toBe(true);
    }
    for (const plain of ['12345', 'Zürich', '1.5', 'Bachelors', '52000']) {
      expect(mightContainIdentifier(plain)).toBe(false);
      expect(mightContainIdentifierBytes(Buffer.from(plain), 0, Buffer.byteLength(plain))).toBe(false);
    }
  });
});

describe('LeakScanner', () => {
  it('counts cells per column and detector, weighted by group counts, with the smallest masked examples', () => {
    const scanner = new LeakScanner(['id', 'contact', 'notes']);
    scanner.scanText(1, 'zed@example.com', 3);
    scanner.scanText(1, 'amy@example.com');
    scanner.scanText(1, 'bob@example.org, bo2@example.org'); // one cell, two addresses: counted once
    scanner.scanText(1, 'dan@example.com');
    scanner.scanText(2, 'call +49 30 1234567 or mail x@y.io');
    scanner.scanText(0, '12345');
    expect(scanner.results()).toEqual([
      { column: 'contact', detector: 'email', count: 6, examples: ['a***@e***.com', 'b***@e***.org', 'd***@e***.com'] },
      { column: 'notes', detector: 'email', count: 1, examples: ['x***@y***.io'] },
      { column: 'notes', detector: 'phone', count: 1, examples: ['+** ** *****67'] },
    ]);
  });

  it('gives the same examples whatever order the values come in', () => {
    const values = ['c@x.io', 'a@x.io', 'e@x.io', 'b@x.io', 'd@x.io'];
    const run = (list: string[]) => {
      const s = new LeakScanner(['c']);
      list.forEach((v) => s.scanText(0, v));
      return s.results();
    };
    expect(run([...values].reverse())).toEqual(run(values));
  });
});

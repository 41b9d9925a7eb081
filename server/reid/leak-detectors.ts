// Direct identifiers a released dataset must not contain, found anywhere inside a value (free text
// included) and validated where a checksum exists, so an order number is not a card number:
//   email · phone (international "+…", North American "415-555-0123", national "030 1234567";
//   bare digit runs are not phones, they are too often ids and amounts) · payment card (13–19
//   digits, issuer prefix 2–6, Luhn) · IBAN (country length, mod-97) · US SSN (dashed, SSA ranges)
//   · IPv4 · IPv6 (node:net validates; loopback and unspecified are not personal).
// Detectors run in priority order and a span claimed by one is not counted again by another
// (a valid card number is not also a phone number).
import net from 'node:net';
import type { DetectorName } from './types';

export interface Detection {
  detector: DetectorName;
  start: number;
  end: number;
  text: string;
}

const IBAN_LENGTHS: Record<string, number> = Object.fromEntries(
  (
    'AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 EE20 EG29 ES24 ' +
    'FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 ' +
    'LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 RO24 RS22 SA24 ' +
    'SC31 SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20'
  )
    .split(' ')
    .map((e) => [e.slice(0, 2), Number(e.slice(2))]),
);

interface Detector {
  name: DetectorName;
  pattern: RegExp;
  /** The identifier to count (possibly trimmed), or null when the candidate is not one. */
  validate(candidate: string): boolean;
}

const DETECTORS: Detector[] = [
  {
    name: 'email',
    pattern: /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu,
    validate: () => true,
  },
  {
    name: 'iban',
    pattern: /\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?\b/g,
    validate: (s) => ibanValid(s),
  },
  {
    name: 'payment_card',
    pattern: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
    validate: (s) => {
      const digits = s.replace(/\D/g, '');
      return digits[0] >= '2' && digits[0] <= '6' && luhnValid(digits);
    },
  },
  {
    name: 'us_ssn',
    pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g,
    validate: () => true,
  },
  {
    name: 'ipv6',
    pattern: /(?<![0-9A-Fa-f:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])/g,
    validate: (s) => net.isIPv6(s) && !/^(?:0{0,4}:){2,7}0{0,3}[01]?$/.test(s),
  },
  {
    name: 'ipv4',
    pattern: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)/g,
    validate: () => true,
  },
  {
    name: 'phone',
    pattern: new RegExp(
      [
        /(?<![\w+])\+[1-9]\d{0,3}(?:[ .\-/]?\(?\d{1,5}\)?){1,6}(?!\w)/.source, // international
        /(?<![\w+])(?:1[ .-]?)?\(?[2-9]\d{2}\)?[ .-]?[2-9]\d{2}[ .-]\d{4}(?!\w)/.source, // North American
        /(?<![\w+])\(?0[1-9]\d{0,3}\)?[ /-]\d{2,4}(?:[ -]?\d{2,4}){1,3}(?!\w)/.source, // national with trunk 0
      ].join('|'),
      'g',
    ),
    validate: (s) => {
      const digits = s.replace(/\D/g, '').length;
      if (s.startsWith('+')) return digits >= 8 && digits <= 15;
      if (s.replace(/^\(/, '').startsWith('0')) return digits >= 9 && digits <= 12;
      return digits >= 10 && digits <= 11;
    },
  },
];

export const DETECTOR_NAMES: readonly DetectorName[] = DETECTORS.map((d) => d.name);

export function detectIdentifiers(text: string): Detection[] {
  const found: Detection[] = [];
  for (const d of DETECTORS) {
    for (const m of text.matchAll(d.pattern)) {
      const start = m.index;
      const end = start + m[0].length;
      if (found.some((f) => start < f.end && f.start < end)) continue;
      if (d.validate(m[0])) found.push({ detector: d.name, start, end, text: m[0] });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * A cheap necessary condition for any detector to match: '@' (email), ':' (IPv6), 7+ digits (phone,
 * card, SSN, IBAN) or 4+ digits with a dot (IPv4). Most cells of a dataset fail it, so the regexes
 * only run on the few that might hold an identifier. Same rule as mightContainIdentifierBytes.
 */
export function mightContainIdentifier(s: string): boolean {
  let digits = 0;
  let dot = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 64 || c === 58) return true;
    else if (c === 46) dot = true;
  }
  return digits >= 7 || (digits >= 4 && dot);
}

export function mightContainIdentifierBytes(buf: Uint8Array, start: number, end: number): boolean {
  let digits = 0;
  let dot = false;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) digits++;
    else if (c === 64 || c === 58) return true;
    else if (c === 46) dot = true;
  }
  return digits >= 7 || (digits >= 4 && dot);
}

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 13616: the country's length (15–34 for unlisted countries) and mod-97 of the rearranged number equal to 1. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected ? iban.length !== expected : iban.length < 15 || iban.length > 34) return false;
  if (iban.replace(/\D/g, '').length < 7) return false; // keeps mightContainIdentifier a necessary condition
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const v = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rest = v >= 10 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
  }
  return rest === 1;
}

/** A form that shows what kind of identifier was found without reproducing it. */
export function maskIdentifier(detector: DetectorName, text: string): string {
  switch (detector) {
    case 'email': {
      const at = text.lastIndexOf('@');
      const domain = text.slice(at + 1);
      const tld = domain.slice(domain.lastIndexOf('.') + 1);
      return `${[...text][0]}***@${[...domain][0]}***.${tld}`;
    }
    case 'phone': {
      const total = text.replace(/\D/g, '').length;
      let seen = 0;
      return text.replace(/\d/g, (d) => (++seen > total - 2 ? d : '*'));
    }
    case 'payment_card':
      return `**** **** **** ${text.replace(/\D/g, '').slice(-4)}`;
    case 'iban': {
      const iban = text.replace(/ /g, '').toUpperCase();
      const masked = iban.slice(0, 2) + '*'.repeat(iban.length - 6) + iban.slice(-4);
      return masked.replace(/(.{4})(?=.)/g, '$1 ');
    }
    case 'us_ssn':
      return `***-**-${text.slice(-4)}`;
    case 'ipv4':
      return `${text.split('.')[0]}.*.*.*`;
    case 'ipv6':
      return `${text.split(':')[0] || '*'}:****:****`;
  }
}

/** The text with every identifier replaced by its mask (for QI values shown in reports). */
export function maskIdentifiersInText(text: string): string {
  if (!mightContainIdentifier(text)) return text;
  let out = '';
  let pos = 0;
  for (const d of detectIdentifiers(text)) {
    out += text.slice(pos, d.start) + maskIdentifier(d.detector, d.text);
    pos = d.end;
  }
  return out + text.slice(pos);
}

// Phone numbers are written every which way: "+34 612 345 678", "612345678", "0034 612-345-678".
// Values are normalised to E.164 with libphonenumber-js, and a column is matched against the forms a
// number is commonly written in (international and national, grouped as libphonenumber groups them
// or in runs of 2–4 digits, with spaces, dashes, dots or nothing, with +CC, 00CC, the trunk prefix or
// "(0)"). Exact forms keep the match on the column's index: normalising every row in SQL would scan
// the table. A form outside this set is still caught by verification, which scans digits.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** Identity kinds holding phone numbers (phone, phone_number, mobile_phone…). */
export const isPhoneKind = (kind: string): boolean => /phone|mobile/.test(kind);

export function toE164(value: string, region?: string): string | null {
  const n = parsePhoneNumberFromString(value.trim(), region as CountryCode | undefined);
  return n?.isPossible() ? n.number : null;
}

/** The value's E.164 form beside the raw one when the raw spelling is not among its usual forms. */
export function normalizePhones(values: string[], region?: string): string[] {
  const parsed = values.map((v) => ({ v, e164: toE164(v, region) }));
  const numbers = [...new Set(parsed.flatMap((p) => (p.e164 ? [p.e164] : [])))];
  const forms = numbers.map((n) => phoneForms(n));
  const out = new Set<string>(numbers);
  // A spelling already among the usual forms of a known number adds nothing ("612345678" of +34612345678).
  for (const { v } of parsed) if (!forms.some((f) => f.has(v))) out.add(v);
  return [...out];
}

const SEPARATORS = [' ', '-', '.', ''];

function splits(digits: string): string[][] {
  const out: string[][] = [[digits]];
  const n = digits.length;
  for (let a = 2; a <= 4; a++) {
    if (n - a >= 2) out.push([digits.slice(0, a), digits.slice(a)]);
    for (let b = 2; b <= 4; b++)
      if (n - a - b >= 2 && n - a - b <= 4) out.push([digits.slice(0, a), digits.slice(a, a + b), digits.slice(a + b)]);
  }
  return out;
}

/** The number as libphonenumber writes it, international then national ("+44 7700 900001", "07700 900001"). */
export function writtenForms(value: string, region?: string): string[] {
  const n = parsePhoneNumberFromString(value.trim(), region as CountryCode | undefined);
  return n ? [n.formatInternational(), n.formatNational()] : [];
}

/** Every usual written form of one number (the value itself included). */
export function phoneForms(value: string, region?: string): Set<string> {
  const forms = new Set<string>([value]);
  const n = parsePhoneNumberFromString(value.trim(), region as CountryCode | undefined);
  if (!n) return forms;
  const nsn = n.nationalNumber;
  const cc = n.countryCallingCode;
  const national = n.formatNational();
  const trunk = national.replace(/\D/g, '').startsWith('0') && !nsn.startsWith('0') ? '0' : '';
  const libGroups = national
    .replace(/^\D*0?\D*/, (m) => (trunk ? m.replace('0', '') : m))
    .split(/\D+/)
    .filter(Boolean);
  const groupings = [...splits(nsn), ...(libGroups.join('') === nsn ? [libGroups] : [])];
  const prefixes = [
    `+${cc} `,
    `+${cc}`,
    `00${cc} `,
    `00${cc}`,
    `+${cc} (0)`,
    `(+${cc}) `,
    trunk,
    ...(trunk ? [`(${trunk})`] : []),
  ];
  for (const g of groupings) {
    for (const sep of SEPARATORS) {
      const body = g.join(sep);
      for (const p of prefixes) forms.add(p + body);
      if (!trunk) forms.add(body);
    }
  }
  forms.add(n.number);
  forms.add(n.formatInternational());
  forms.add(national);
  forms.add(n.getURI());
  return forms;
}

/** Forms of all the values, for `column = ANY(…)`. */
export function phoneVariants(values: string[], region?: string): string[] {
  const out = new Set<string>();
  for (const v of values) for (const f of phoneForms(v, region)) out.add(f);
  return [...out];
}

/** Digits of the E.164 forms and national significant numbers, for a digit-normalised scan. */
export function phoneDigits(values: string[], region?: string): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const n = parsePhoneNumberFromString(v.trim(), region as CountryCode | undefined);
    if (!n) continue;
    out.add(n.number.replace(/\D/g, ''));
    out.add(n.nationalNumber);
    out.add(`00${n.number.replace(/\D/g, '')}`);
    const national = n.formatNational().replace(/\D/g, '');
    out.add(national);
  }
  return [...out];
}

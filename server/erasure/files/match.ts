// How a files dataset's value is compared with the subject's (issue 20), the same way the SQL engines
// compare (server/erasure/sql.ts identityMatch): emails case-insensitively, phone numbers in any of
// their usual written forms, everything else as exact text (trimmed: a CSV field keeps its spaces).
import { CASE_INSENSITIVE } from '../sql';
import { isPhoneKind, phoneVariants } from '../phones';
import type { Identity } from '../types';

/** The values a column of this identity kind is compared with (lower-cased for case-insensitive kinds). */
export function comparedValues(identity: Identity, kind: string): string[] {
  const raw = [...new Set(identity[kind] ?? [])];
  if (CASE_INSENSITIVE.has(kind)) return [...new Set(raw.map((v) => v.toLowerCase()))];
  return isPhoneKind(kind) ? phoneVariants(raw) : raw;
}

/** A predicate on a cell: does it hold one of the subject's values of this kind? */
export function valueMatcher(identity: Identity, kind: string): (cell: unknown) => boolean {
  const ci = CASE_INSENSITIVE.has(kind);
  const values = new Set(comparedValues(identity, kind));
  return (cell) => {
    if (cell === null || cell === undefined || !values.size || typeof cell === 'object') return false;
    const s = String(cell).trim();
    return values.has(ci ? s.toLowerCase() : s);
  };
}

/** Every value the subject could be found by in these kinds: the prefilter's needles. */
export function allComparedValues(identity: Identity, kinds: Iterable<string>): string[] {
  return [...new Set([...kinds].flatMap((k) => comparedValues(identity, k)))];
}

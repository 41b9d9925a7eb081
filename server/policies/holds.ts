// Legal holds: the one decision "is this row held?" for the erasure job, the retention sweep and the
// dry-run preview. A hold names a dataset, a data category, a data subject, or any combination; every
// part it names must match (a dataset + subject hold keeps one person's rows of one table). A hold
// with `expires` stops applying the day after that date (or at that instant for a date-time); one
// without applies until it is removed from the bundle. Destroying data under a preservation order is
// spoliation of evidence, so a hold always wins over retention rules and erasure requests alike.
import { categoryCovers } from './categories';
import { addIsoDuration, isDateOnly, parseIsoDate } from './durations';
import type { LegalHold, Regulation } from './types';

/** What is known about a row: its dataset, the categories of its columns, and (when known) whose it is. */
export interface HoldQuery {
  dataset: string; // "<system>.<dataset>"
  categories: readonly string[];
  /** Fingerprint (HMAC blind index) of the row's data subject; subject holds never cover a row without one. */
  subject?: string;
  now: Date;
}

/** The first instant a hold no longer applies: the day after `expires` for a date, the instant itself for a date-time. */
export function holdExpiresAt(hold: Pick<LegalHold, 'expires'>): Date | null {
  if (!hold.expires) return null;
  const at = parseIsoDate(hold.expires);
  if (!at) return null;
  return isDateOnly(hold.expires) ? addIsoDuration(at, 'P1D') : at;
}

export function holdActive(hold: Pick<LegalHold, 'expires'>, now: Date): boolean {
  const end = holdExpiresAt(hold);
  return end === null || now < end;
}

/** Every part the hold names matches the row (ignoring expiry). */
export function holdCovers(hold: LegalHold, q: Omit<HoldQuery, 'now'>): boolean {
  return (
    (hold.dataset === undefined || hold.dataset === q.dataset) &&
    (hold.category === undefined || q.categories.some((c) => categoryCovers(hold.category!, c))) &&
    (hold.subject === undefined || hold.subject === q.subject)
  );
}

/** The first active hold (in file order) covering the row, or null when the row may be erased or swept. */
export function heldBy(holds: readonly LegalHold[], q: HoldQuery): LegalHold | null {
  return holds.find((h) => holdActive(h, q.now) && holdCovers(h, q)) ?? null;
}

/** The hold's legal basis under one regulation; `policy check` makes sure there is at least one. */
export function holdBasis(hold: LegalHold, regulation: Regulation): string {
  return hold.legalBasis[regulation] ?? Object.values(hold.legalBasis)[0] ?? 'legal hold';
}

/** Whether a hold (by name) still stands in this set of holds at `now`: removed or expired means lifted. */
export function holdStands(holds: readonly LegalHold[], name: string, now: Date): boolean {
  const hold = holds.find((h) => h.name === name);
  return hold !== undefined && holdActive(hold, now);
}

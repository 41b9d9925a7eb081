// ISO-8601 durations on calendar dates, with luxon. Arithmetic is done in UTC and by calendar
// units, so "P1M" from 31 January lands on the last day of February (28th, or 29th in a leap year)
// and "P1Y" from 29 February 2024 lands on 28 February 2025, the way people and courts count.
import { DateTime, Duration } from 'luxon';

/** True for a well-formed, positive ISO-8601 duration such as "P13M", "P10Y", "P30D", "PT12H". */
export const ISO_DURATION_PATTERN = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

export function isIsoDuration(text: string): boolean {
  if (!ISO_DURATION_PATTERN.test(text)) return false;
  const d = Duration.fromISO(text);
  return d.isValid && d.toMillis() > 0;
}

/** `date` plus the ISO-8601 duration `iso`, counted in calendar units in UTC. Throws on a malformed duration. */
export function addIsoDuration(date: Date, iso: string): Date {
  const duration = Duration.fromISO(iso);
  if (!duration.isValid) throw new Error(`not an ISO-8601 duration: ${iso}`);
  return DateTime.fromJSDate(date, { zone: 'utc' }).plus(duration).toJSDate();
}

/** Parses an ISO-8601 date ("2026-03-31") or date-time ("2026-03-31T12:00:00Z"); dates without a zone are UTC. */
export function parseIsoDate(text: string): Date | null {
  const dt = DateTime.fromISO(text, { zone: 'utc', setZone: true });
  return dt.isValid ? dt.toJSDate() : null;
}

/** True when `text` is a plain calendar date (no time part). */
export function isDateOnly(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text);
}

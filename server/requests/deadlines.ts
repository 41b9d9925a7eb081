// Response deadlines for data-subject requests. Pure functions over luxon dates in UTC (or a zone the
// caller names). A period in months or days ends at the end of its last day, the way EU law counts
// (Regulation 1182/71 Art. 3(2)(c)): a month from 31 January ends on 28 February (29 in a leap year).
import { DateTime } from 'luxon';
import type { PolicyBundle, Regulation } from '../policies/types';

export interface DeadlineOptions {
  /** IANA zone the controller counts days in (default UTC). */
  zone?: string;
}

type Period = { months?: number; days?: number };

// GDPR Art. 12(3): "without undue delay and in any event within one month of receipt of the request",
//   extendable "by two further months where necessary" (so three months in all).
// CCPA regulations §7021(b): respond within 45 calendar days of receipt, extendable by up to 45 more
//   (90 in all) with notice and reasons.
// LGPD Art. 19(II): a complete statement "within fifteen (15) days" of the request; no extension.
const PERIOD: Record<Regulation, { base: Period; extended: Period | null }> = {
  gdpr: { base: { months: 1 }, extended: { months: 3 } },
  ccpa: { base: { days: 45 }, extended: { days: 90 } },
  lgpd: { base: { days: 15 }, extended: null },
};

function endOfPeriod(receivedAt: Date, period: Period, opts: DeadlineOptions): Date {
  return DateTime.fromJSDate(receivedAt, { zone: opts.zone ?? 'utc' })
    .plus(period)
    .endOf('day')
    .toJSDate();
}

export function dueDate(regulation: Regulation, receivedAt: Date, opts: DeadlineOptions = {}): Date {
  return endOfPeriod(receivedAt, PERIOD[regulation].base, opts);
}

/** The latest due date an extension allows, or null where the law allows none (LGPD). */
export function extendedDueDate(regulation: Regulation, receivedAt: Date, opts: DeadlineOptions = {}): Date | null {
  const extended = PERIOD[regulation].extended;
  return extended ? endOfPeriod(receivedAt, extended, opts) : null;
}

/**
 * What an extension allows and what the person must be told, per regulation: the form's hint and the
 * reminder once it is recorded. Null where the law allows none (LGPD).
 */
export const EXTENSION_TERMS: Record<Regulation, { hint: string; notice: string } | null> = {
  gdpr: {
    hint: 'GDPR Art. 12(3): up to two further months where necessary. Recorded, and told to the data subject with the reasons, within the first month.',
    notice: 'Tell the data subject of the extension and its reasons within the first month (GDPR Art. 12(3)).',
  },
  ccpa: {
    hint: 'CCPA regulations §7021(b): up to 45 more days (90 in all). Recorded, and noticed to the consumer with the reasons, within the first 45 days.',
    notice:
      'Give the consumer notice of the 45 more days and the reasons within the first 45 days (CCPA regulations §7021(b)).',
  },
  lgpd: null,
};

/**
 * Whether an extension can still be recorded: GDPR Art. 12(3) requires the person to be told of the
 * extension and its reasons within the first month; CCPA §7021(b) requires notice within the first 45
 * days. After that the original deadline stands.
 */
export function canExtend(regulation: Regulation, receivedAt: Date, now: Date, opts: DeadlineOptions = {}): boolean {
  return PERIOD[regulation].extended !== null && now.getTime() <= dueDate(regulation, receivedAt, opts).getTime();
}

/**
 * CCPA regulations §7021(a): confirm receipt within 10 business days. Business days skip Saturdays and
 * Sundays; public holidays are not modelled, which only ever makes the date earlier (safer).
 */
export function ackDueDate(regulation: Regulation, receivedAt: Date, opts: DeadlineOptions = {}): Date | null {
  if (regulation !== 'ccpa') return null;
  let d = DateTime.fromJSDate(receivedAt, { zone: opts.zone ?? 'utc' });
  for (let left = 10; left > 0;) {
    d = d.plus({ days: 1 });
    if (d.weekday <= 5) left--;
  }
  return d.endOf('day').toJSDate();
}

export type Urgency = 'overdue' | 'at_risk' | 'ok';

export interface UrgencyView {
  urgency: Urgency;
  /** Whole days left (negative when overdue), for the countdown. */
  daysLeft: number;
}

/**
 * An open request is at risk within this many days of its due date, unless the policy bundle says
 * otherwise (retention.yaml `requests.at_risk_days`). The one place the default is written.
 */
export const DEFAULT_AT_RISK_DAYS = 7;

/** The bundle's at-risk window in days (the default when it sets none). */
export const atRiskDays = (bundle: Pick<PolicyBundle, 'retention'>): number =>
  bundle.retention.requests?.atRiskDays ?? DEFAULT_AT_RISK_DAYS;

/** Due before this moment = at risk (or overdue) now. */
export const atRiskBefore = (now: Date, days: number): Date => new Date(now.getTime() + days * 86_400_000);

const utcDay = (d: Date) => Math.floor(d.getTime() / 86_400_000);

/**
 * Whole calendar days from today to the due day (0 on the due day, negative once overdue). Counted
 * in days, not hours: a 15-day period ends at the end of its 15th day, so on the day of receipt 15
 * days are left, not the 16 that rounding up the remaining hours gives.
 */
export function daysLeft(dueAt: Date, now: Date, opts: DeadlineOptions = {}): number {
  const zone = opts.zone ?? 'utc';
  // In UTC a calendar day is a whole multiple of 86,400,000 ms since the epoch (no leap seconds in
  // JS time): counted by division, as luxon counts it, without building four DateTimes per row of
  // every request list.
  if (zone.toLowerCase() === 'utc') return utcDay(dueAt) - utcDay(now);
  const day = (d: Date) => DateTime.fromJSDate(d, { zone }).startOf('day');
  return Math.round(day(dueAt).diff(day(now), 'days').days);
}

/** Overdue past the due date; at risk within `atRiskDays` of it (default 7, or the bundle's: see atRiskDays). */
export function urgency(dueAt: Date, now: Date, atRiskDays = DEFAULT_AT_RISK_DAYS): UrgencyView {
  const ms = dueAt.getTime() - now.getTime();
  return {
    urgency: ms < 0 ? 'overdue' : ms <= atRiskDays * 86_400_000 ? 'at_risk' : 'ok',
    daysLeft: daysLeft(dueAt, now),
  };
}

/** Sort order for lists: the earliest due date first, so overdue requests lead. */
export function byUrgency<T extends { dueAt: Date }>(a: T, b: T): number {
  return a.dueAt.getTime() - b.dueAt.getTime();
}

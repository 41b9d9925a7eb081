import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { ackDueDate, byUrgency, canExtend, daysLeft, dueDate, extendedDueDate, urgency } from './deadlines';
import { countdown } from './view-model';

const d = (iso: string) => new Date(iso);
const day = (x: Date | null) => x?.toISOString().slice(0, 10);

describe('deadlines', () => {
  it('gives GDPR requests one calendar month, ending at the end of the last day', () => {
    expect(dueDate('gdpr', d('2026-03-15T09:30:00Z')).toISOString()).toBe('2026-04-15T23:59:59.999Z');
  });

  it('ends a month from 31 January on 28 February, or 29 February in a leap year', () => {
    expect(day(dueDate('gdpr', d('2027-01-31T12:00:00Z')))).toBe('2027-02-28');
    expect(day(dueDate('gdpr', d('2028-01-31T12:00:00Z')))).toBe('2028-02-29');
    expect(day(dueDate('gdpr', d('2026-08-31T00:00:00Z')))).toBe('2026-09-30');
  });

  it('lets a GDPR request be extended to three months in all, but only while the first month runs', () => {
    const received = d('2028-01-31T10:00:00Z');
    expect(day(extendedDueDate('gdpr', received))).toBe('2028-04-30');
    expect(canExtend('gdpr', received, d('2028-02-29T23:00:00Z'))).toBe(true);
    expect(canExtend('gdpr', received, d('2028-03-01T00:00:01Z'))).toBe(false);
  });

  it('gives CCPA requests 45 calendar days, extendable to 90, and an acknowledgement within 10 business days', () => {
    const received = d('2026-11-27T16:00:00Z'); // a Friday
    expect(day(dueDate('ccpa', received))).toBe('2027-01-11');
    expect(day(extendedDueDate('ccpa', received))).toBe('2027-02-25');
    expect(day(ackDueDate('ccpa', received))).toBe('2026-12-11');
    expect(ackDueDate('gdpr', received)).toBeNull();
  });

  it('gives LGPD requests 15 days and no extension', () => {
    const received = d('2026-02-20T08:00:00Z');
    expect(day(dueDate('lgpd', received))).toBe('2026-03-07');
    expect(extendedDueDate('lgpd', received)).toBeNull();
    expect(canExtend('lgpd', received, received)).toBe(false);
  });

  it('counts days in the controller’s zone when one is given', () => {
    // 23:30 UTC on 31 January is already 1 February in Berlin.
    expect(dueDate('gdpr', d('2027-01-31T23:30:00Z'), { zone: 'Europe/Berlin' }).toISOString()).toBe(
      '2027-03-01T22:59:59.999Z',
    );
  });

  it('marks requests overdue, at risk within a week, or fine, and sorts the earliest due first', () => {
    const now = d('2026-11-28T12:00:00Z');
    expect(urgency(d('2026-11-27T23:59:59Z'), now)).toEqual({ urgency: 'overdue', daysLeft: -1 });
    expect(urgency(d('2026-12-02T23:59:59Z'), now).urgency).toBe('at_risk');
    expect(urgency(d('2026-12-20T23:59:59Z'), now)).toEqual({ urgency: 'ok', daysLeft: 22 });
    const list = [{ dueAt: d('2026-12-20') }, { dueAt: d('2026-11-01') }, { dueAt: d('2026-12-01') }].sort(byUrgency);
    expect(list.map((x) => day(x.dueAt))).toEqual(['2026-11-01', '2026-12-01', '2026-12-20']);
  });

  it('counts 15 days left on the day a 15-day LGPD request is received, and 1 on the day before it is due', () => {
    const received = d('2026-02-20T08:00:00Z');
    const due = dueDate('lgpd', received);
    expect(daysLeft(due, received)).toBe(15);
    expect(countdown(due, received)).toBe('15 days left');
    expect(countdown(due, d('2026-02-20T23:59:00Z'))).toBe('15 days left');
    expect(countdown(due, d('2026-03-06T00:00:01Z'))).toBe('1 day left');
    expect(countdown(due, d('2026-03-07T12:00:00Z'))).toBe('due today');
    expect(countdown(due, d('2026-03-08T00:00:01Z'))).toBe('1 day overdue');
    expect(urgency(due, received).daysLeft).toBe(15);
  });

  it('counts UTC days by arithmetic exactly as luxon counts them, and other zones in their own calendar', () => {
    const luxonDays = (due: Date, now: Date, zone: string) =>
      Math.round(
        DateTime.fromJSDate(due, { zone })
          .startOf('day')
          .diff(DateTime.fromJSDate(now, { zone }).startOf('day'), 'days').days,
      );
    // Deterministic spread: before and after the epoch, across DST changes and leap days, at every hour.
    let seed = 7;
    const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed / 2 ** 31);
    for (let i = 0; i < 2_000; i++) {
      const now = new Date(Date.UTC(1965, 0, 1) + next() * 90 * 365 * 86_400_000);
      const due = new Date(now.getTime() + (next() - 0.3) * 200 * 86_400_000);
      expect(daysLeft(due, now)).toBe(luxonDays(due, now, 'utc'));
      expect(daysLeft(due, now, { zone: 'UTC' })).toBe(luxonDays(due, now, 'utc'));
    }
    // 23:30 UTC on 1 March is still 1 March in UTC but 2 March in Tokyo: a day fewer left there.
    const due = d('2026-03-05T12:00:00Z');
    const now = d('2026-03-01T23:30:00Z');
    expect(daysLeft(due, now)).toBe(4);
    expect(daysLeft(due, now, { zone: 'Asia/Tokyo' })).toBe(3);
  });
});

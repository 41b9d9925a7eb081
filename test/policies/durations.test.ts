import { describe, expect, it } from 'vitest';
import { addIsoDuration, isIsoDuration } from '../../server/policies/durations';

const add = (iso: string, duration: string) => addIsoDuration(new Date(iso), duration).toISOString();

describe('ISO-8601 durations in calendar units (luxon, UTC)', () => {
  it('P1M from 31 January is 28 February in a common year', () => {
    expect(add('2026-01-31T00:00:00Z', 'P1M')).toBe('2026-02-28T00:00:00.000Z');
  });

  it('P1M from 31 January is 29 February in a leap year', () => {
    expect(add('2028-01-31T00:00:00Z', 'P1M')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('P1M from 30 April is 30 May, and from 31 March is 30 April', () => {
    expect(add('2026-04-30T00:00:00Z', 'P1M')).toBe('2026-05-30T00:00:00.000Z');
    expect(add('2026-03-31T00:00:00Z', 'P1M')).toBe('2026-04-30T00:00:00.000Z');
  });

  it('P1Y from 29 February lands on 28 February of the next year', () => {
    expect(add('2024-02-29T12:00:00Z', 'P1Y')).toBe('2025-02-28T12:00:00.000Z');
  });

  it('P4Y from 29 February lands on 29 February again', () => {
    expect(add('2024-02-29T00:00:00Z', 'P4Y')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('P13M crosses a year end and a short month', () => {
    expect(add('2025-01-31T00:00:00Z', 'P13M')).toBe('2026-02-28T00:00:00.000Z');
    expect(add('2026-12-31T00:00:00Z', 'P13M')).toBe('2028-01-31T00:00:00.000Z');
  });

  it('P10Y keeps the day and time of day', () => {
    expect(add('2016-11-27T09:30:00Z', 'P10Y')).toBe('2026-11-27T09:30:00.000Z');
  });

  it('days are calendar days: P30D across February of a leap year', () => {
    expect(add('2028-02-01T00:00:00Z', 'P30D')).toBe('2028-03-02T00:00:00.000Z');
  });

  it('mixed units apply largest first', () => {
    expect(add('2026-01-31T00:00:00Z', 'P1M1D')).toBe('2026-03-01T00:00:00.000Z');
  });

  it('accepts well-formed positive durations and rejects the rest', () => {
    for (const ok of ['P1M', 'P13M', 'P10Y', 'P30D', 'P2W', 'PT12H', 'P1Y2M3DT4H5M6S']) expect(isIsoDuration(ok), ok).toBe(true);
    for (const bad of ['', 'P', 'PT', '13M', 'P0D', 'P-1M', 'P1.5Y', 'p1m', '1 year', 'P1MT']) expect(isIsoDuration(bad), bad).toBe(false);
  });

  it('throws on a malformed duration rather than adding nothing', () => {
    expect(() => addIsoDuration(new Date(), 'one month')).toThrow(/not an ISO-8601 duration/);
  });
});

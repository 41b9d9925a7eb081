import { describe, expect, it } from 'vitest';
import { planRequest } from './plan';
import type { LegalHold } from '../policies/types';
import { demoDatamap } from '../../test/fixtures/demo-datamap';
import { demoPolicy } from '../../test/fixtures/demo-policy';
import { fixtureDecide } from '../../test/fixtures/decide';

const source = { file: 't', line: 1, column: 1 };
const hold = (h: Partial<LegalHold>): LegalHold => ({
  name: 'h',
  caseReference: 'C-1',
  legalBasis: { gdpr: 'GDPR Art. 17(3)(e)', lgpd: 'LGPD Art. 7(VI)' },
  reason: 'r',
  source,
  ...h,
});
const now = new Date('2026-11-28T00:00:00Z');
const held = (holds: LegalHold[], subject = 'me', regulation: 'gdpr' | 'lgpd' = 'gdpr') =>
  Object.fromEntries(
    planRequest({ datamap: demoDatamap, decide: fixtureDecide(demoPolicy), regulation, holds: { holds, subject, now } })
      .steps.filter((s) => s.held)
      .map((s) => [s.key, s.held!]),
  );

describe('planRequest with legal holds', () => {
  it('no hold, or one that has expired, holds nothing', () => {
    expect(held([])).toEqual({});
    expect(held([hold({ dataset: 'support.tickets', expires: '2026-01-01' })])).toEqual({});
  });

  it('a dataset hold keeps its table and the children that would be deleted with it, with the basis for the regulation', () => {
    const h = held([hold({ dataset: 'support.tickets', expires: '2027-06-30' })], 'me', 'lgpd');
    expect(Object.keys(h).sort()).toEqual(['support.ticket_messages', 'support.tickets']);
    expect(h['support.tickets']).toEqual({
      hold: 'h',
      caseReference: 'C-1',
      legalBasis: 'LGPD Art. 7(VI)',
      expires: '2027-06-30',
    });
    expect(h['support.ticket_messages'].via).toBe('support.tickets');
  });

  it('a category hold keeps the tables with the category, the parent their rows point at, and what hangs off that parent', () => {
    const h = held([hold({ category: 'user.financial' })]);
    // Tables with a user.financial column are held themselves.
    expect(h['crm.payment_cards'].via).toBeUndefined();
    expect(h['billing.invoices'].via).toBeUndefined();
    // The customer they point at would be deleted: held with them; and so the logins hanging off it.
    expect(['crm.payment_cards', 'crm.orders']).toContain(h['crm.customers'].via);
    expect(h['crm.logins'].via).toBe('crm.customers');
    // Other systems are not reached.
    expect(Object.keys(h).filter((k) => !k.startsWith('crm.') && !k.startsWith('billing.'))).toEqual([]);
  });

  it('a subject hold keeps every table for that subject only', () => {
    const mine = held([hold({ subject: 'me' })]);
    expect(Object.keys(mine)).toHaveLength(13);
    expect(held([hold({ subject: 'someone-else' })])).toEqual({});
  });

  it('a plan without holds is the plan of before (the follow-up plans this way)', () => {
    const plain = planRequest({ datamap: demoDatamap, decide: fixtureDecide(demoPolicy), regulation: 'gdpr' });
    const withHold = planRequest({
      datamap: demoDatamap,
      decide: fixtureDecide(demoPolicy),
      regulation: 'gdpr',
      holds: { holds: [hold({ dataset: 'support.tickets' })], subject: 'me', now },
    });
    expect(withHold.steps.map(({ held: _held, ...s }) => s)).toEqual(plain.steps);
  });
});

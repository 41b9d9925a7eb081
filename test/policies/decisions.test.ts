import { describe, expect, it } from 'vitest';
import { decideAccess } from '../../server/policies/access';
import { categoryCovers, categoryDepth } from '../../server/policies/categories';
import { decideDeletion, decideDeletionForRow } from '../../server/policies/deletion';
import { decideRetention, holdActive, type RetentionRecord } from '../../server/policies/retention';
import type { AccessPolicy, AccessRule, DeletionPolicy, DeletionRule, Exemption, LegalHold, RetentionPolicy, RetentionRule } from '../../server/policies/types';

const src = (line: number) => ({ file: 'x.yaml', line, column: 5 });

describe('category prefix matching', () => {
  it('a category covers itself and everything below it', () => {
    expect(categoryCovers('user.contact', 'user.contact')).toBe(true);
    expect(categoryCovers('user.contact', 'user.contact.email')).toBe(true);
    expect(categoryCovers('user', 'user.contact.address.postal_code')).toBe(true);
  });

  it('a category does not cover a sibling that merely starts with the same letters', () => {
    expect(categoryCovers('user.contact', 'user.contacts')).toBe(false);
    expect(categoryCovers('user.contact.email', 'user.contact')).toBe(false);
    expect(categoryCovers('user', 'system.operations')).toBe(false);
  });

  it('depth counts the dotted segments', () => {
    expect(categoryDepth('user')).toBe(1);
    expect(categoryDepth('user.contact.email')).toBe(3);
  });
});

describe('decideAccess', () => {
  const rule = (line: number, r: Partial<AccessRule>): AccessRule => ({
    role: 'officer', resource: 'request', actions: ['read'], conditions: [], reason: `rule ${line}`, source: src(line), ...r,
  });
  const policy: AccessPolicy = {
    roles: [{ name: 'officer', description: '', mfa: 'required' }, { name: 'admin', description: '', mfa: 'required' }],
    resources: { request: ['read', 'approve'], user: ['read', 'create'] },
    rules: [
      rule(1, { actions: ['approve'], conditions: ['four_eyes'] }),
      rule(2, { actions: ['read'] }),
      rule(3, { role: 'admin', resource: 'user', actions: ['*'] }),
      rule(4, { role: 'officer', resource: '*', actions: ['read'] }),
    ],
    tokens: { defaultExpiryDays: 90, maxExpiryDays: 365 },
    reviewUnusedDays: 90,
    invitationExpiryHours: 72,
    activationSecondPerson: false,
  };
  const ask = (role: string, action: string, resource: string, submittedBy?: string, id = 'u1') =>
    decideAccess(policy, { principal: { id, role }, action, resource, context: { submittedBy } });

  it('denies by default, naming no rule', () => {
    const d = ask('admin', 'read', 'request');
    expect(d).toMatchObject({ allowed: false });
    expect(d.allowed === false && d.rule).toBeFalsy();
  });

  it('allows through an action wildcard', () => {
    expect(ask('admin', 'create', 'user')).toMatchObject({ allowed: true, rule: { source: { line: 3 } } });
  });

  it('allows through a resource wildcard but cites the exact rule when both match', () => {
    expect(ask('officer', 'read', 'user')).toMatchObject({ allowed: true, rule: { source: { line: 4 } } });
    expect(ask('officer', 'read', 'request')).toMatchObject({ allowed: true, rule: { source: { line: 2 } } });
  });

  it('four_eyes allows only when the submitter is known and someone else', () => {
    expect(ask('officer', 'approve', 'request', 'u2')).toMatchObject({ allowed: true });
    expect(ask('officer', 'approve', 'request', 'u1')).toMatchObject({ allowed: false, rule: { source: { line: 1 } } });
    expect(ask('officer', 'approve', 'request', undefined)).toMatchObject({ allowed: false, reason: expect.stringContaining('four_eyes') });
  });

  it('denies a permission that access.yaml does not define, even for a wildcard rule', () => {
    expect(ask('admin', 'delete', 'user')).toMatchObject({ allowed: false, reason: expect.stringContaining('not a permission') });
  });
});

describe('decideDeletion', () => {
  const rule = (line: number, category: string, regulations: DeletionRule['regulations'], strategy: DeletionRule['strategy'], maskValue?: string): DeletionRule => ({
    category, regulations, strategy, ...(maskValue ? { maskValue } : {}), reason: '', source: src(line),
  });
  const invoices: Exemption = {
    name: 'invoices', datasets: ['billing.invoices'], categories: [], regulations: ['gdpr'], legalBasis: 'GDPR Art. 17(3)(b)',
    keepFor: 'P10Y', from: 'issued_at', erase: [{ category: 'user.name', strategy: 'mask', maskValue: '[erased]' }], reason: '', source: src(20),
  };
  const policy: DeletionPolicy = {
    rules: [
      rule(1, 'user', 'all', 'delete_row'),
      rule(2, 'user.contact', 'all', 'null'),
      rule(3, 'user.contact', ['ccpa'], 'hash'),
      rule(4, 'user.contact.email', 'all', 'mask', 'x@invalid'),
    ],
    exemptions: [invoices],
  };
  const q = (category: string, regulation: 'gdpr' | 'ccpa' | 'lgpd' = 'gdpr', dataset = 'crm.customers') => decideDeletion(policy, { category, regulation, dataset });

  it('the longest matching category prefix wins', () => {
    expect(q('user.name')).toMatchObject({ kind: 'erase', strategy: 'delete_row', rule: { source: { line: 1 } } });
    expect(q('user.contact.phone_number')).toMatchObject({ kind: 'erase', strategy: 'null', rule: { source: { line: 2 } } });
    expect(q('user.contact.email', 'ccpa')).toMatchObject({ kind: 'erase', strategy: 'mask', maskValue: 'x@invalid' });
  });

  it('at equal length a rule naming the regulation beats an `all` rule', () => {
    expect(q('user.contact.phone_number', 'ccpa')).toMatchObject({ strategy: 'hash', rule: { source: { line: 3 } } });
    expect(q('user.contact.phone_number', 'lgpd')).toMatchObject({ strategy: 'null' });
  });

  it('no rule means the column is not personal data: kind none', () => {
    expect(q('system.operations')).toEqual({ kind: 'none' });
  });

  it('an exemption keeps the row, says how listed columns are still erased, and keeps the plain rule as fallback', () => {
    expect(q('user.name', 'gdpr', 'billing.invoices')).toMatchObject({
      kind: 'exempt', exemption: { name: 'invoices' }, erase: { strategy: 'mask', maskValue: '[erased]' }, fallback: { strategy: 'delete_row' },
    });
    const kept = q('user.unique_id', 'gdpr', 'billing.invoices');
    expect(kept.kind === 'exempt' && kept.erase).toBeUndefined();
  });

  it('an exemption applies only to its regulations and datasets', () => {
    expect(q('user.name', 'ccpa', 'billing.invoices')).toMatchObject({ kind: 'erase' });
    expect(q('user.name', 'gdpr', 'crm.customers')).toMatchObject({ kind: 'erase' });
  });

  it('an exemption by category matches any dataset, by prefix', () => {
    const claims: Exemption = { ...invoices, name: 'claims', datasets: [], categories: ['user.contact'], keepFor: undefined, from: undefined, erase: [] };
    const p: DeletionPolicy = { rules: policy.rules, exemptions: [claims] };
    expect(decideDeletion(p, { category: 'user.contact.email', regulation: 'gdpr', dataset: 'support.tickets' })).toMatchObject({ kind: 'exempt' });
    expect(decideDeletion(p, { category: 'user.name', regulation: 'gdpr', dataset: 'support.tickets' })).toMatchObject({ kind: 'erase' });
  });

  it('a row past the exemption period falls back to the plain rule; a row without the date stays exempt', () => {
    const d = q('user.name', 'gdpr', 'billing.invoices');
    const now = new Date('2026-11-28T00:00:00Z');
    expect(decideDeletionForRow(d, { issued_at: new Date('2016-11-27T00:00:00Z') }, now)).toMatchObject({ kind: 'erase', strategy: 'delete_row' });
    expect(decideDeletionForRow(d, { issued_at: new Date('2016-11-28T00:00:01Z') }, now)).toMatchObject({ kind: 'exempt' });
    expect(decideDeletionForRow(d, {}, now)).toMatchObject({ kind: 'exempt' });
  });
});

describe('decideRetention', () => {
  const rule = (line: number, r: Partial<RetentionRule>): RetentionRule => ({
    name: `r${line}`, keepFor: 'P1Y', from: { column: 'created_at' }, action: 'delete', anonymize: [], reason: '', source: src(line), ...r,
  });
  const hold = (line: number, h: Partial<LegalHold>): LegalHold => ({ name: `h${line}`, caseReference: 'LIT-1', legalBasis: { gdpr: 'GDPR Art. 17(3)(e)' }, reason: '', source: src(line), ...h });
  const policy = (holds: LegalHold[] = []): RetentionPolicy => ({
    rules: [
      rule(1, { category: 'user', keepFor: 'P5Y' }),
      rule(2, { category: 'user.contact', keepFor: 'P2Y' }),
      rule(3, { dataset: 'crm.customers', keepFor: 'P1M', from: { event: 'account_closed' }, action: 'anonymize' }),
    ],
    legalHolds: holds,
  });
  const record = (r: Partial<RetentionRecord>): RetentionRecord => ({
    dataset: 'support.tickets', categories: ['user.contact.email', 'user.content.private'], dates: {}, events: {}, now: new Date('2026-11-28T00:00:00Z'), ...r,
  });

  it('a dataset rule beats every category rule', () => {
    const d = decideRetention(policy(), record({ dataset: 'crm.customers', events: { account_closed: new Date('2026-01-31T00:00:00Z') } }));
    expect(d).toMatchObject({ action: 'anonymize', rule: { name: 'r3' }, due: new Date('2026-02-28T00:00:00Z') });
  });

  it('among category rules the longest matching category wins', () => {
    const d = decideRetention(policy(), record({ dates: { created_at: new Date('2025-01-01T00:00:00Z') } }));
    expect(d).toMatchObject({ action: 'keep', rule: { name: 'r2' }, until: new Date('2027-01-01T00:00:00Z') });
    const other = decideRetention(policy(), record({ categories: ['user.name'], dates: { created_at: new Date('2025-01-01T00:00:00Z') } }));
    expect(other).toMatchObject({ rule: { name: 'r1' }, until: new Date('2030-01-01T00:00:00Z') });
  });

  it('the action is due from the end of the period on', () => {
    const at = (now: string) => decideRetention(policy(), record({ dates: { created_at: new Date('2024-11-28T00:00:00Z') }, now: new Date(now) })).action;
    expect(at('2026-11-27T23:59:59Z')).toBe('keep');
    expect(at('2026-11-28T00:00:00Z')).toBe('delete');
  });

  it('an event that has not happened keeps the record with no end date', () => {
    expect(decideRetention(policy(), record({ dataset: 'crm.customers' }))).toMatchObject({ action: 'keep', until: null, rule: { name: 'r3' } });
  });

  it('no matching rule keeps the record and says so', () => {
    expect(decideRetention(policy(), record({ categories: ['system.operations'] }))).toMatchObject({ action: 'keep', until: null, rule: null });
  });

  it('a dataset hold overrides deletion and says what would have happened', () => {
    const d = decideRetention(policy([hold(9, { dataset: 'support.tickets' })]), record({ dates: { created_at: new Date('2020-01-01T00:00:00Z') } }));
    expect(d).toMatchObject({ action: 'held', hold: { name: 'h9' }, then: { action: 'delete' } });
  });

  it('a subject hold applies only to that subject', () => {
    const p = policy([hold(9, { subject: 'abc' })]);
    const old = { dates: { created_at: new Date('2020-01-01T00:00:00Z') } };
    expect(decideRetention(p, record({ ...old, subject: 'abc' })).action).toBe('held');
    expect(decideRetention(p, record({ ...old, subject: 'def' })).action).toBe('delete');
    expect(decideRetention(p, record(old)).action).toBe('delete');
  });

  it('a hold with a date applies through that whole day and expires at the next midnight UTC', () => {
    const h = hold(9, { dataset: 'support.tickets', expires: '2026-03-31' });
    expect(holdActive(h, new Date('2026-03-31T23:59:59Z'))).toBe(true);
    expect(holdActive(h, new Date('2026-04-01T00:00:00Z'))).toBe(false);
    const old = record({ dates: { created_at: new Date('2020-01-01T00:00:00Z') }, now: new Date('2026-04-01T00:00:00Z') });
    expect(decideRetention(policy([h]), old).action).toBe('delete');
  });

  it('a hold with a date-time expires at that instant; a hold without expiry never does', () => {
    expect(holdActive(hold(1, { expires: '2026-03-31T12:00:00Z' }), new Date('2026-03-31T12:00:00Z'))).toBe(false);
    expect(holdActive(hold(1, { expires: '2026-03-31T12:00:00Z' }), new Date('2026-03-31T11:59:59Z'))).toBe(true);
    expect(holdActive(hold(1, {}), new Date('2999-01-01T00:00:00Z'))).toBe(true);
  });
});

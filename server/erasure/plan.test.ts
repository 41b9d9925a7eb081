import { describe, expect, it } from 'vitest';
import { planRequest } from './plan';
import type { DataMap, DeletionPolicy } from '../policies/types';
import { demoDatamap } from '../../test/fixtures/demo-datamap';
import { demoPolicy } from '../../test/fixtures/demo-policy';
import { fixtureDecide } from '../../test/fixtures/decide';
import { col, ds, system } from '../../test/fixtures/demo-datamap';

const demo = () => planRequest({ datamap: demoDatamap, decide: fixtureDecide(demoPolicy), regulation: 'gdpr' });
const keys = (map: DataMap, policy: DeletionPolicy = demoPolicy) =>
  planRequest({ datamap: map, decide: fixtureDecide(policy), regulation: 'gdpr' }).steps.map((s) => s.key);
const source = { file: 't', line: 1, column: 1 };
const nullPolicy: DeletionPolicy = {
  rules: [{ category: 'user', regulations: 'all', strategy: 'null', reason: 'clear', source }],
  exemptions: [],
};

describe('planRequest', () => {
  it('plans every table holding the subject, children before the parents they reference', () => {
    const order = demo().steps.map((s) => s.key);
    expect(order).toHaveLength(13);
    expect(order.indexOf('crm.order_items')).toBeLessThan(order.indexOf('crm.orders'));
    expect(order.indexOf('crm.orders')).toBeLessThan(order.indexOf('crm.customers'));
    expect(order.indexOf('support.ticket_messages')).toBeLessThan(order.indexOf('support.tickets'));
  });

  it('finds child rows through references: by identity value when the parent column is one, else through the parent', () => {
    const steps = demo().steps;
    expect(steps.find((s) => s.key === 'crm.orders')!.match).toEqual([
      { kind: 'identity', column: 'customer_id', identity: 'customer_id' },
    ]);
    expect(steps.find((s) => s.key === 'crm.order_items')!.match).toEqual([
      {
        kind: 'parent',
        column: 'order_id',
        parent: 'orders',
        parentColumn: 'id',
        parentMatch: [{ kind: 'identity', column: 'customer_id', identity: 'customer_id' }],
      },
    ]);
  });

  it('deletes rows that hang off deleted rows even when they hold no personal data', () => {
    const items = demo().steps.find((s) => s.key === 'crm.order_items')!;
    expect(items.rowAction).toBe('delete');
    expect(items.rowReason).toBe('rows hang off crm.orders rows that are deleted');
  });

  it('treats a second identity column of the same kind as a mention, erased without taking the row', () => {
    const tickets = demo().steps.find((s) => s.key === 'support.tickets')!;
    expect(tickets.match.map((m) => m.kind === 'identity' && m.column)).toEqual(['customer_id', 'requester_email']);
    expect(tickets.mentions[0]).toEqual({
      kind: 'identity',
      column: 'cc_email',
      identity: 'email',
      erase: { strategy: 'hash' },
    });
  });

  it('keeps invoices under the tax exemption for ten years from issue, masking name and email', () => {
    const invoices = demo().steps.find((s) => s.key === 'billing.invoices')!;
    expect(invoices.keep).toEqual([
      {
        exemption: 'tax_records',
        legalBasis: 'GDPR Art. 17(3)(b)',
        reason: expect.any(String),
        window: { from: 'issued_at', keepFor: 'P10Y' },
      },
    ]);
    expect(invoices.columns.find((c) => c.column === 'billing_email')!.exempt).toEqual({
      exemption: 'tax_records',
      erase: { strategy: 'mask', maskValue: '[redacted]' },
    });
    expect(invoices.columns.find((c) => c.column === 'customer_id')!.exempt).toEqual({
      exemption: 'tax_records',
      erase: null,
    });
  });

  it('erases an identity column whatever its category says, and deletes the row when it is the primary key', () => {
    const map: DataMap = {
      systems: [
        system('s', 'S_URL', [
          ds('people', [
            col('id', ['system.operations'], 'customer_id'),
            col('email', ['system.operations'], 'email'),
            col('note', ['system.operations']),
          ]),
          ds('visits', [
            col('id', ['system.operations']),
            col('visitor_email', ['system.operations'], 'email'),
            col('page', ['system.operations']),
          ]),
        ]),
      ],
    };
    const steps = planRequest({ datamap: map, decide: fixtureDecide(nullPolicy), regulation: 'gdpr' }).steps;
    expect(steps.find((s) => s.dataset === 'people')).toMatchObject({
      rowAction: 'delete',
      rowReason: expect.stringContaining('identity in the primary key'),
    });
    const visits = steps.find((s) => s.dataset === 'visits')!;
    expect(visits.rowAction).toBe('update');
    expect(visits.columns.find((c) => c.column === 'visitor_email')!.erase).toMatchObject({ strategy: 'null' });
    expect(visits.columns.find((c) => c.column === 'page')!.erase).toBeNull();
  });

  it('cuts reference cycles, plans each table once and reports the cut', () => {
    const map: DataMap = {
      systems: [
        system('s', 'S_URL', [
          ds(
            'a',
            [
              col('id', ['system.operations']),
              col('email', ['user.contact.email'], 'email'),
              col('b_id', ['system.operations']),
            ],
            { refs: [{ column: 'b_id', to: 'b.id' }] },
          ),
          ds(
            'b',
            [col('id', ['system.operations']), col('a_id', ['system.operations']), col('note', ['user.content'])],
            { refs: [{ column: 'a_id', to: 'a.id' }] },
          ),
          ds(
            'c',
            [
              col('id', ['system.operations']),
              col('parent_id', ['system.operations']),
              col('email', ['user.contact.email'], 'email'),
            ],
            { refs: [{ column: 'parent_id', to: 'c.id' }] },
          ),
        ]),
      ],
    };
    const plan = planRequest({ datamap: map, decide: fixtureDecide(demoPolicy), regulation: 'gdpr' });
    expect(plan.steps.map((s) => s.key).sort()).toEqual(['s.a', 's.b', 's.c']);
    expect(plan.cycles).toEqual(expect.arrayContaining(['s.c.parent_id → c.id']));
    expect(plan.cycles.some((c) => c.includes('s.a.b_id') || c.includes('s.b.a_id'))).toBe(true);
  });

  it('processes the pointing table first for a reference written from a key (Fides direction: to)', () => {
    const map: DataMap = {
      systems: [
        system('s', 'S_URL', [
          ds('address', [col('id', ['system.operations']), col('street', ['user.contact.address'])], {
            refs: [{ column: 'id', to: 'customer.address_id' }],
          }),
          ds('customer', [
            col('id', ['user.unique_id'], 'customer_id'),
            col('email', ['user.contact.email'], 'email'),
            col('address_id', ['system.operations']),
          ]),
        ]),
      ],
    };
    const plan = planRequest({ datamap: map, decide: fixtureDecide(demoPolicy), regulation: 'gdpr' });
    expect(plan.steps.map((s) => s.key)).toEqual(['s.customer', 's.address']);
    expect(plan.steps[1].match).toEqual([{ kind: 'identity', column: 'id', identity: 'ref:s.customer.address_id' }]);
  });

  it('lists every training snapshot with the models trained on it, and never embeds identity values', () => {
    const plan = planRequest({
      datamap: demoDatamap,
      decide: fixtureDecide(demoPolicy),
      regulation: 'gdpr',
      identity: { email: ['ann@example.com'] },
    });
    expect(plan.snapshots).toEqual([
      {
        key: 'assistant.training_snapshot_2026_10',
        models: ['support-assistant-v3'],
        builtFrom: ['support.tickets', 'assistant.prompt_logs'],
      },
    ]);
    expect(JSON.stringify(plan)).not.toContain('ann@example.com');
  });

  it('deletes embeddings that quote the subject (a vector cannot be redacted) but redacts prompts', () => {
    const steps = demo().steps;
    expect(steps.find((s) => s.key === 'assistant.embeddings')!.mentionAction).toBe('delete_row');
    expect(steps.find((s) => s.key === 'assistant.prompt_logs')!.mentionAction).toBe('redact');
    expect(keys(demoDatamap)).toContain('assistant.prompt_logs');
  });
});

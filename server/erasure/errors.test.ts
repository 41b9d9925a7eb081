import { describe, expect, it } from 'vitest';
import { asConfigError, classifyError, ErasureConfigError } from './errors';

describe('classifyError', () => {
  it('retries what heals by itself and never what needs a person', () => {
    expect(classifyError({ code: '40P01' })).toBe('transient'); // deadlock
    expect(classifyError({ code: '57P01' })).toBe('transient'); // admin shutdown
    expect(classifyError({ code: 'ECONNREFUSED' })).toBe('transient');
    expect(classifyError({ code: '42703' })).toBe('configuration'); // undefined column
    expect(classifyError({ code: '23503' })).toBe('configuration'); // foreign key
    expect(classifyError(new ErasureConfigError('x'))).toBe('configuration');
  });

  it('names the step and the fix without quoting the row values a constraint error carries', () => {
    const err = asConfigError(
      {
        code: '23505',
        message:
          'duplicate key value violates unique constraint "u"\nDETAIL: Key (email)=(ann@example.com) already exists.',
      },
      'crm.customers',
    );
    expect(err.message).toBe(
      'crm.customers: a unique constraint refuses the erased value (use hash or pseudonymize for unique columns) — duplicate key value violates unique constraint "u" [23505]',
    );
    expect(err.message).not.toContain('ann@');
  });
});

describe('asConfigError', () => {
  it('elides the value an invalid-input error quotes', () => {
    expect(
      asConfigError({ code: '22P02', message: 'invalid input syntax for type bigint: "ann@example.com"' }, 's.t')
        .message,
    ).toBe('s.t: a value does not fit the column type — invalid input syntax for type bigint: "…" [22P02]');
  });
});

describe('asConfigError on a foreign-key refusal', () => {
  it('drops the statement knex puts in front and says which way the key blocks', () => {
    const err = asConfigError(
      {
        code: '23503',
        message:
          'UPDATE "orders" SET "customer_id" = $1 WHERE x - insert or update on table "orders" violates foreign key constraint "fk"',
      },
      'crm.orders',
    );
    expect(err.message).toBe(
      'crm.orders: the erased value breaks a foreign key: only NULL can be written to a referencing column — insert or update on table "orders" violates foreign key constraint "fk" [23503]',
    );
  });
});

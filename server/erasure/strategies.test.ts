import { describe, expect, it } from 'vitest';
import { fitStrategy, hashValue, pseudonymize } from './strategies';
import type { ColumnInfo } from './schema';

const column = (udt: string, over: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name: 'c',
  udt,
  dataType: udt,
  nullable: true,
  maxLength: null,
  isText: ['text', 'varchar', 'bpchar'].includes(udt),
  ...over,
});
const ctx = { where: 's.t.c', rowMayGo: true, inPrimaryKey: false };

describe('fitStrategy', () => {
  it('erases a foreign-key column only to NULL, since a token or default would break or re-point the reference', () => {
    const fk = (nullable: boolean) => column('int8', { nullable, references: 'customers.id' });
    expect(fitStrategy({ strategy: 'pseudonymize' }, fk(true), { ...ctx, rowMayGo: false })).toEqual({
      replacement: { kind: 'null' },
      note: 's.t.c: pseudonymize on a column referencing customers.id → NULL',
    });
    expect(
      fitStrategy({ strategy: 'mask', maskValue: '0' }, fk(false), { ...ctx, rowMayGo: false }).replacement,
    ).toEqual({ kind: 'keep' });
    expect(fitStrategy({ strategy: 'null' }, fk(false), { ...ctx, rowMayGo: true }).replacement).toEqual({
      kind: 'delete_row',
    });
    expect(fitStrategy({ strategy: 'null' }, fk(true), ctx)).toEqual({ replacement: { kind: 'null' } });
  });

  it('uses NULL where the column allows it, and an erased marker or type default where it does not', () => {
    expect(fitStrategy({ strategy: 'null' }, column('text'), ctx)).toEqual({ replacement: { kind: 'null' } });
    expect(fitStrategy({ strategy: 'null' }, column('text', { nullable: false }), ctx)).toEqual({
      replacement: { kind: 'literal', value: '[erased]', cast: 'text' },
      note: "s.t.c: null on a NOT NULL text column → '[erased]'",
    });
    expect(fitStrategy({ strategy: 'null' }, column('int8', { nullable: false }), ctx).replacement).toEqual({
      kind: 'literal',
      value: '0',
      cast: 'int8',
    });
  });

  it('clears a non-text column instead of hashing it, and says so', () => {
    expect(fitStrategy({ strategy: 'hash' }, column('int8'), ctx)).toEqual({
      replacement: { kind: 'null' },
      note: 's.t.c: hash on a int8 column (text only) → NULL',
    });
  });

  it('deletes the row when a NOT NULL column of an unknown type cannot be cleared, and keeps it in a row that stays', () => {
    expect(fitStrategy({ strategy: 'null' }, column('tsvector', { nullable: false }), ctx).replacement).toEqual({
      kind: 'delete_row',
    });
    expect(
      fitStrategy({ strategy: 'null' }, column('tsvector', { nullable: false }), { ...ctx, rowMayGo: false })
        .replacement,
    ).toEqual({ kind: 'keep' });
  });

  it('truncates hashes and masks to a short varchar, and never touches a primary key in place', () => {
    expect(fitStrategy({ strategy: 'hash' }, column('varchar', { maxLength: 32 }), ctx).replacement).toEqual({
      kind: 'hash',
      length: 32,
    });
    expect(
      fitStrategy({ strategy: 'mask', maskValue: 'REDACTED' }, column('bpchar', { maxLength: 4 }), ctx).replacement,
    ).toEqual({ kind: 'literal', value: 'REDA', cast: 'bpchar' });
    expect(
      fitStrategy({ strategy: 'mask', maskValue: 'x' }, column('int8'), { ...ctx, inPrimaryKey: true }).replacement,
    ).toEqual({ kind: 'delete_row' });
  });

  it('turns delete_row into clearing the value in a row that stays', () => {
    expect(fitStrategy({ strategy: 'delete_row' }, column('text'), { ...ctx, rowMayGo: false }).replacement).toEqual({
      kind: 'null',
    });
  });
});

describe('hash and pseudonymize', () => {
  it('hash is a 64-character HMAC that depends on the key; pseudonyms are stable pseu_ tokens', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(hashValue(a, 'ann@example.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashValue(a, 'ann@example.com')).not.toBe(hashValue(b, 'ann@example.com'));
    expect(pseudonymize(a, '42')).toBe(pseudonymize(a, '42'));
    expect(pseudonymize(a, '42')).toMatch(/^pseu_[0-9a-f]{24}$/);
  });
});

// Erasure strategies fitted to the column that receives them. The policy speaks in categories; the
// database has types, NOT NULL constraints and lengths. When a strategy cannot be stored as asked
// (null on a NOT NULL column, a hash in a bigint) the closest safe replacement is used and a note
// says so, so the preview and the certificate show what really happened.
import crypto from 'node:crypto';
import type { ColumnInfo } from './schema';
import type { Strategy } from './types';

/** What a column becomes: NULL, a fixed literal, an HMAC of its value, itself, or "the row goes". */
export type Replacement =
  | { kind: 'null' }
  | { kind: 'literal'; value: string; cast: string }
  | { kind: 'hash' | 'pseudonymize'; length: number }
  | { kind: 'keep' }
  | { kind: 'delete_row' };

export interface Fitted {
  replacement: Replacement;
  note?: string;
}

export const ERASED_TEXT = '[erased]';
export const REDACTED = '[redacted]';
export const PSEUDONYM_PREFIX = 'pseu_';
const HASH_LENGTH = 64;
const PSEUDONYM_LENGTH = PSEUDONYM_PREFIX.length + 24;

/** Type defaults for NOT NULL columns that cannot take NULL: chosen to carry no information. */
const TYPE_DEFAULTS: Record<string, string> = {
  int2: '0',
  int4: '0',
  int8: '0',
  numeric: '0',
  float4: '0',
  float8: '0',
  bool: 'false',
  date: '1970-01-01',
  timestamp: '1970-01-01 00:00:00',
  timestamptz: '1970-01-01 00:00:00+00',
  uuid: '00000000-0000-0000-0000-000000000000',
  inet: '0.0.0.0',
  json: '{}',
  jsonb: '{}',
};

export interface FitContext {
  /** "system.table.column", for notes. */
  where: string;
  /** Whether the row itself is allowed to go (the subject's own row, not kept). */
  rowMayGo: boolean;
  inPrimaryKey: boolean;
}

export function fitStrategy(s: Strategy | null, col: ColumnInfo, ctx: FitContext): Fitted {
  if (!s) return { replacement: { kind: 'keep' } };
  if (s.strategy === 'delete_row') {
    if (ctx.rowMayGo) return { replacement: { kind: 'delete_row' } };
    return instead(ctx, 'delete_row in a row that stays', clear(col, ctx), col.nullable);
  }
  if (ctx.inPrimaryKey) {
    // Changing a key would orphan or re-point the rows that reference it.
    return instead(
      ctx,
      `${s.strategy} on a primary-key column`,
      ctx.rowMayGo ? { kind: 'delete_row' } : { kind: 'keep' },
    );
  }
  if (col.references && s.strategy !== 'null') {
    // A foreign key accepts only values its parent table holds: a mask, hash or token would be
    // refused (or, worse, point at someone else's row). NULL is the only erasure it can take.
    const replacement: Replacement = col.nullable
      ? { kind: 'null' }
      : ctx.rowMayGo
        ? { kind: 'delete_row' }
        : { kind: 'keep' };
    return instead(ctx, `${s.strategy} on a column referencing ${col.references}`, replacement);
  }
  if (col.references && !col.nullable) {
    return instead(
      ctx,
      `null on a NOT NULL column referencing ${col.references}`,
      ctx.rowMayGo ? { kind: 'delete_row' } : { kind: 'keep' },
    );
  }
  switch (s.strategy) {
    case 'null':
      return col.nullable
        ? { replacement: { kind: 'null' } }
        : instead(ctx, `null on a NOT NULL ${col.udt} column`, clear(col, ctx));
    case 'mask': {
      const value = s.maskValue ?? ERASED_TEXT;
      if (col.isText) {
        const fitted = fitLength(value, col);
        return fitted === value
          ? { replacement: { kind: 'literal', value, cast: col.udt } }
          : instead(ctx, `mask longer than ${col.udt}(${col.maxLength})`, {
              kind: 'literal',
              value: fitted,
              cast: col.udt,
            });
      }
      if (/^(int[248]|numeric|float[48])$/.test(col.udt) && /^-?\d+(\.\d+)?$/.test(value))
        return { replacement: { kind: 'literal', value, cast: col.udt } };
      return instead(ctx, `mask '${value}' on a ${col.udt} column`, clear(col, ctx));
    }
    case 'hash':
    case 'pseudonymize': {
      const wanted = s.strategy === 'hash' ? HASH_LENGTH : PSEUDONYM_LENGTH;
      if (!col.isText) return instead(ctx, `${s.strategy} on a ${col.udt} column (text only)`, clear(col, ctx));
      if (col.maxLength !== null && col.maxLength < wanted) {
        if (col.maxLength < 16)
          return instead(ctx, `${s.strategy} does not fit ${col.udt}(${col.maxLength})`, clear(col, ctx));
        return instead(ctx, `${s.strategy} longer than ${col.udt}(${col.maxLength})`, {
          kind: s.strategy,
          length: col.maxLength,
        });
      }
      return { replacement: { kind: s.strategy, length: wanted } };
    }
  }
}

/** The emptiest value the column accepts: NULL, a text marker, a type default, or the row must go. */
function clear(col: ColumnInfo, ctx: FitContext): Replacement {
  if (col.nullable) return { kind: 'null' };
  if (col.isText) return { kind: 'literal', value: fitLength(ERASED_TEXT, col), cast: col.udt };
  const def = TYPE_DEFAULTS[col.udt];
  if (def !== undefined) return { kind: 'literal', value: def, cast: col.udt };
  return ctx.rowMayGo ? { kind: 'delete_row' } : { kind: 'keep' };
}

function instead(ctx: FitContext, why: string, replacement: Replacement, quiet = false): Fitted {
  return quiet ? { replacement } : { replacement, note: `${ctx.where}: ${why} → ${describe(replacement)}` };
}

export function describe(r: Replacement): string {
  switch (r.kind) {
    case 'null':
      return 'NULL';
    case 'literal':
      return `'${r.value}'`;
    case 'hash':
    case 'pseudonymize':
      return `${r.kind} (${r.length} characters)`;
    case 'keep':
      return 'kept (cannot be erased in place)';
    case 'delete_row':
      return 'row deleted';
  }
}

function fitLength(value: string, col: ColumnInfo): string {
  return col.maxLength !== null && value.length > col.maxLength ? value.slice(0, col.maxLength) : value;
}

/** HMAC-SHA256, hex: the per-request key makes the result unlinkable to other requests. */
export function hashValue(key: Buffer, value: string, length = HASH_LENGTH): string {
  return crypto.createHmac('sha256', key).update(value).digest('hex').slice(0, length);
}

/** A stable token: the same value gives the same token across requests, so joins still work. */
export function pseudonymize(key: Buffer, value: string, length = PSEUDONYM_LENGTH): string {
  const digest = crypto.createHmac('sha256', key).update(value).digest('hex');
  return (PSEUDONYM_PREFIX + digest).slice(0, length);
}

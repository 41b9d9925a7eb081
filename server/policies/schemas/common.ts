// Building blocks shared by the per-file schemas. The schemas check one file's shape (types,
// formats, required keys, unknown keys); checks.ts does everything that needs two files.
import { z } from 'zod';
import { CATEGORY_PATTERN } from '../categories';
import { ISO_DURATION_PATTERN, isIsoDuration, parseIsoDate } from '../durations';

export const API_VERSION = 'lethe/v1';

export function header<K extends string>(kind: K) {
  return {
    apiVersion: z.literal(API_VERSION).meta({ description: `Policy format version; always "${API_VERSION}".` }),
    kind: z.literal(kind).meta({ description: `Kind of policy file; "${kind}" here.` }),
  };
}

export const name = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case: lower-case letters, digits and underscores')
  .meta({ description: 'snake_case identifier' });

export const text = z.string().trim().min(1, 'must not be empty');

export const reason = text.meta({ description: 'Why this rule exists: the business or legal reason, shown by `lethe policy explain`.' });

export const category = z
  .string()
  .regex(CATEGORY_PATTERN, 'must be a dotted taxonomy key such as user.contact.email')
  .meta({ description: 'Data category: a taxonomy key or prefix (user.contact covers user.contact.email).' });

export const datasetRef = z
  .string()
  .regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'must name a dataset as <system>.<dataset>, e.g. crm.customers')
  .meta({ description: 'Dataset in the data map, as <system>.<dataset>.' });

export const isoDuration = z
  .string()
  .regex(ISO_DURATION_PATTERN, 'must be an ISO-8601 duration such as P30D, P13M or P10Y')
  .refine((s) => !ISO_DURATION_PATTERN.test(s) || isIsoDuration(s), 'must be longer than zero')
  .meta({ description: 'ISO-8601 duration counted in calendar units (P1M from 31 Jan is 28/29 Feb).' });

export const isoDate = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && parseIsoDate(s) !== null, 'must be an ISO-8601 date (2026-03-31) or date-time')
  .meta({ description: 'ISO-8601 date or date-time (UTC when no zone is given).' });

export const REGULATION_VALUES = ['gdpr', 'ccpa', 'lgpd'] as const;
export const regulations = z
  .union([z.literal('all'), z.array(z.enum(REGULATION_VALUES)).min(1, 'list at least one regulation, or write `all`')], {
    error: 'write `all` or a list of regulations: [gdpr, ccpa, lgpd]',
  })
  .meta({ description: '`all`, or a list of gdpr, ccpa, lgpd.' });

export const STRATEGIES = ['delete_row', 'null', 'mask', 'hash', 'pseudonymize'] as const;
export const strategy = z.enum(STRATEGIES).meta({
  description:
    'delete_row: delete the row; null: set the column to NULL; mask: overwrite with mask_value; hash: HMAC-SHA256 with a per-request key; pseudonymize: stable token.',
});

export const maskValue = z.string().meta({ description: 'Fixed replacement value; required when strategy is mask.' });

/** Adds "mask_value is required" to an object schema that has `strategy` and `mask_value`. */
export function requireMaskValue(v: { strategy: string; mask_value?: string }, ctx: z.RefinementCtx): void {
  if (v.strategy === 'mask' && v.mask_value === undefined) {
    ctx.addIssue({ code: 'custom', path: ['strategy'], message: 'strategy mask needs a mask_value (the fixed replacement)' });
  }
  if (v.strategy !== 'mask' && v.mask_value !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['mask_value'], message: 'mask_value is only used with strategy mask' });
  }
}

import { z } from 'zod';
import { category, datasetRef, header, isoDate, isoDuration, maskValue, name, reason, REGULATION_VALUES, requireMaskValue, strategy, text } from './common';

const from = z
  .strictObject({
    column: name.optional().meta({ description: 'Date column of the dataset.' }),
    event: name.optional().meta({ description: 'Named event, e.g. account_closed.' }),
  })
  .superRefine((v, ctx) => {
    if ((v.column === undefined) === (v.event === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'from needs exactly one of column or event' });
    }
  })
  .meta({ description: 'What the retention period is counted from: {column: <date column>} or {event: <event name>}.' });

const rule = z
  .strictObject({
    name,
    dataset: datasetRef.optional(),
    category: category.optional(),
    keep_for: isoDuration,
    from,
    action: z.enum(['delete', 'anonymize', 'review']).meta({ description: 'What happens when the period is over.' }),
    anonymize: z
      .array(z.strictObject({ column: name, strategy, mask_value: maskValue.optional() }).superRefine(requireMaskValue))
      .optional()
      .meta({ description: 'For action anonymize: the strategy for each column.' }),
    reason,
  })
  .superRefine((v, ctx) => {
    if ((v.dataset === undefined) === (v.category === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'a retention rule names exactly one of dataset or category' });
    }
    if (v.action === 'anonymize' && !v.anonymize?.length) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: 'action anonymize needs an anonymize list (column + strategy)' });
    }
    if (v.action !== 'anonymize' && v.anonymize !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['anonymize'], message: 'anonymize is only used with action anonymize' });
    }
  });

const HOLD_BASIS_HELP = 'a legal hold needs legal_basis: the article it rests on per regulation, e.g. { gdpr: "GDPR Art. 17(3)(e)" }';
const holdBasis = z
  .strictObject(Object.fromEntries(REGULATION_VALUES.map((r) => [r, text.optional()])) as Record<(typeof REGULATION_VALUES)[number], z.ZodOptional<typeof text>>, {
    error: HOLD_BASIS_HELP,
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), HOLD_BASIS_HELP)
  .meta({ description: 'Legal basis per regulation (gdpr, ccpa, lgpd), e.g. GDPR Art. 17(3)(e); shown on the certificate and in the notice.' });

export const legalHoldSchema = z
  .strictObject({
    name,
    case_reference: text.meta({ description: 'Reference of the case the hold is for, e.g. LIT-2026-014.' }),
    dataset: datasetRef.optional(),
    category: category.optional().meta({ description: 'Rows of every dataset with a column of this category (or below it) are held.' }),
    subject: text.optional().meta({ description: 'HMAC fingerprint of one data subject.' }),
    legal_basis: holdBasis,
    expires: isoDate.optional().meta({ description: 'Last day (inclusive) the hold applies; absent = until lifted.' }),
    reason,
  })
  .superRefine((v, ctx) => {
    if (v.dataset === undefined && v.category === undefined && v.subject === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'a legal hold names a dataset, a category, a subject or a combination' });
    }
  });

export const retentionFileSchema = z.strictObject({
  ...header('RetentionPolicy'),
  rules: z.array(rule).meta({ description: 'Per dataset or category; the most specific rule wins (dataset, then longest category).' }),
  first_run_limit: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: 'The first sweep of a rule that would delete or anonymize more rows than this stops at a finding for an officer to approve (default 10000).' }),
  legal_holds: z.array(legalHoldSchema).optional().meta({ description: 'Holds override deletion while they have not expired.' }),
  requests: z
    .strictObject({
      at_risk_days: z
        .number()
        .int()
        .min(1)
        .max(90)
        .meta({ description: 'Days before its due date from which an open data-subject request counts as at risk (dashboard, request list, overdue_requests audit).' }),
    })
    .optional()
    .meta({ description: 'Data-subject request deadlines (default: at risk 7 days before the due date).' }),
});
export type RetentionFile = z.infer<typeof retentionFileSchema>;

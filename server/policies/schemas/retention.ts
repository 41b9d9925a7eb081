import { z } from 'zod';
import { category, datasetRef, header, isoDate, isoDuration, maskValue, name, reason, requireMaskValue, strategy, text } from './common';

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

const hold = z
  .strictObject({
    name,
    case_reference: text.meta({ description: 'Reference of the case the hold is for, e.g. LIT-2026-014.' }),
    dataset: datasetRef.optional(),
    subject: text.optional().meta({ description: 'HMAC fingerprint of one data subject.' }),
    expires: isoDate.optional().meta({ description: 'Last day (inclusive) the hold applies; absent = until lifted.' }),
    reason,
  })
  .superRefine((v, ctx) => {
    if (v.dataset === undefined && v.subject === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'a legal hold names a dataset, a subject or both' });
    }
  });

export const retentionFileSchema = z.strictObject({
  ...header('RetentionPolicy'),
  rules: z.array(rule).meta({ description: 'Per dataset or category; the most specific rule wins (dataset, then longest category).' }),
  legal_holds: z.array(hold).optional().meta({ description: 'Holds override deletion while they have not expired.' }),
});
export type RetentionFile = z.infer<typeof retentionFileSchema>;

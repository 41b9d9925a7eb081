import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { category, datasetRef, header, isoDuration, maskValue, name, reason, regulations, requireMaskValue, strategy, text } from './common';

const rule = z
  .strictObject({
    category: category.meta({ description: 'Category (or prefix) this rule erases; the longest matching prefix wins.' }),
    regulations,
    strategy,
    mask_value: maskValue.optional(),
    reason,
  })
  .superRefine(requireMaskValue);

const erase = z
  .strictObject({ category, strategy, mask_value: maskValue.optional() })
  .superRefine(requireMaskValue);

const exemption = z
  .strictObject({
    name,
    datasets: z.array(datasetRef).optional().meta({ description: 'Datasets whose rows are kept.' }),
    categories: z.array(category).optional().meta({ description: 'Categories that are kept (anywhere, or in the listed datasets).' }),
    regulations,
    legal_basis: text.meta({ description: 'Article the exemption rests on, e.g. "GDPR Art. 17(3)(b)".' }),
    keep_for: isoDuration.optional().meta({ description: 'How long rows stay exempt, counted from the `from` column.' }),
    from: name.optional().meta({ description: 'Date column the keep_for period is counted from.' }),
    erase: z.array(erase).optional().meta({ description: 'Columns still erased in kept rows (e.g. names masked on invoices).' }),
    reason,
  })
  .superRefine((v, ctx) => {
    if (!v.datasets?.length && !v.categories?.length) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'an exemption must list datasets, categories or both' });
    }
    if ((v.keep_for === undefined) !== (v.from === undefined)) {
      ctx.addIssue({ code: 'custom', path: [v.keep_for ? 'keep_for' : 'from'], message: 'keep_for and from go together' });
    }
  });

export const deletionFileSchema = z.strictObject({
  ...header('DeletionPolicy'),
  rules: z.array(rule).min(1).meta({ description: 'Erasure strategy per category; keep a default rule for `user`.' }),
  exemptions: z.array(exemption).optional().meta({ description: 'Legal bases to keep data despite an erasure request.' }),
  phone_region: z
    .string()
    .refine((v) => isSupportedCountry(v), { message: 'not a region libphonenumber knows: use an ISO 3166-1 alpha-2 code such as IE, ES or US' })
    .optional()
    .meta({ description: 'Region (ISO 3166-1 alpha-2) for phone numbers written without a country code, in requests and in the data; they are compared in E.164.' }),
});
export type DeletionFile = z.infer<typeof deletionFileSchema>;

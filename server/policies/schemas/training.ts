import { z } from 'zod';
import { datasetRef, header, name, reason, text } from './common';

/** GDPR Art. 6(1)(a)–(f). */
export const LAWFUL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'] as const;
const share = z.number().gt(0).lte(1);

export const trainingFileSchema = z.strictObject({
  ...header('TrainingPolicy'),
  purposes: z
    .array(
      z.strictObject({
        name: name.meta({ description: 'Purpose of processing, e.g. model_training, analytics, support.' }),
        lawful_basis: z.enum(LAWFUL_BASES).meta({ description: 'The basis this purpose relies on (GDPR Art. 6(1)). `consent` means a subject needs a recorded, unwithdrawn consent.' }),
        description: text,
        reason,
      }),
    )
    .min(1),
  snapshots: z
    .array(
      z.strictObject({
        dataset: datasetRef.meta({ description: 'The training snapshot this recipe builds.' }),
        purpose: name.default('model_training'),
        on_excluded: z.enum(['exclude', 'refuse']).default('exclude').meta({ description: 'Rows of subjects without a basis: left out (exclude) or the whole build refused (refuse).' }),
        sources: z
          .array(
            z.strictObject({
              from: datasetRef,
              columns: z.record(name, name).meta({ description: 'Snapshot column -> source column.' }),
            }),
          )
          .min(1),
      }),
    )
    .default([]),
  bias: z
    .strictObject({
      alpha: share.default(0.01).meta({ description: 'Chi-square goodness of fit: a p-value below this is a significant deviation.' }),
      min_share_ratio: share.default(0.8).meta({ description: 'A group whose share is below this fraction of its reference share is under-represented.' }),
      max_share_ratio: z.number().gte(1).default(1.25).meta({ description: 'A group whose share is above this multiple of its reference share is over-represented.' }),
      min_disparate_impact: share.default(0.8).meta({ description: 'Lowest label-rate ratio between groups (the four-fifths rule).' }),
      min_group_size: z.number().int().min(1).default(5).meta({ description: 'Groups smaller than this are not rated for disparate impact.' }),
      datasets: z
        .array(
          z.strictObject({
            dataset: datasetRef,
            attributes: z.array(name).min(1).meta({ description: 'Protected or declared attributes (columns) to check.' }),
            reference_source: datasetRef.optional().meta({ description: 'Table whose distribution of the same columns is the reference.' }),
            label: z.strictObject({ column: name, positive: z.union([z.string(), z.number(), z.boolean()]) }).optional(),
            use_case: name.optional().meta({ description: 'The AI use case that consumes the dataset.' }),
          }),
        )
        .default([]),
    })
    .prefault({}),
});
export type TrainingFile = z.infer<typeof trainingFileSchema>;

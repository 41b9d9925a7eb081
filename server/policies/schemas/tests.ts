// Truth tables (policies/tests/*_test.yaml): inputs and the decision the bundle must produce.
import { z } from 'zod';
import { STRATEGIES, category, datasetRef, header, isoDate, name, text } from './common';

const caseName = text.meta({ description: 'A sentence saying what the case shows; printed when it fails.' });
const dates = z.record(name, isoDate);

export const accessTestsSchema = z.strictObject({
  ...header('AccessTests'),
  cases: z
    .array(
      z.strictObject({
        name: caseName,
        principal: z.strictObject({ id: text, role: text }),
        resource: text,
        action: text,
        context: z.strictObject({ submitted_by: text.optional() }).optional().meta({ description: 'Facts about the resource, e.g. who submitted it.' }),
        expect: z.enum(['allow', 'deny']),
      }),
    )
    .min(1),
});

export const retentionTestsSchema = z.strictObject({
  ...header('RetentionTests'),
  cases: z
    .array(
      z.strictObject({
        name: caseName,
        dataset: datasetRef,
        categories: z.array(category).optional().meta({ description: "Record's categories; default: every category of the dataset's columns in the data map." }),
        dates: dates.optional().meta({ description: 'Date columns of the record.' }),
        events: dates.optional().meta({ description: 'Events that happened to the record, e.g. account_closed.' }),
        subject: text.optional().meta({ description: "Fingerprint of the record's data subject (for subject holds)." }),
        now: isoDate,
        expect: z.strictObject({
          action: z.enum(['keep', 'delete', 'anonymize', 'review', 'held']),
          until: isoDate.nullable().optional().meta({ description: 'For keep: the end of the period (null: kept until an event happens).' }),
          rule: name.optional().meta({ description: 'Name of the retention rule expected to decide.' }),
          hold: name.optional().meta({ description: 'For held: name of the legal hold.' }),
        }),
      }),
    )
    .min(1),
});

export const deletionTestsSchema = z.strictObject({
  ...header('DeletionTests'),
  cases: z
    .array(
      z.strictObject({
        name: caseName,
        category,
        regulation: z.enum(['gdpr', 'ccpa', 'lgpd']),
        dataset: datasetRef,
        dates: dates.optional().meta({ description: "The row's date columns, to test an exemption's keep_for window." }),
        now: isoDate.optional(),
        expect: z.strictObject({
          strategy: z
            .enum([...STRATEGIES, 'keep'])
            .meta({ description: 'What happens to the column: an erasure strategy, or keep (no rule, or kept by the exemption).' }),
          mask_value: z.string().optional(),
          exempt: name.optional().meta({ description: 'Name of the exemption expected to keep the row.' }),
          legal_basis: text.optional(),
        }),
      }),
    )
    .min(1),
});

export const testsFileSchema = z.discriminatedUnion('kind', [accessTestsSchema, retentionTestsSchema, deletionTestsSchema]);
export type TestsFile = z.infer<typeof testsFileSchema>;
export type AccessTestsFile = z.infer<typeof accessTestsSchema>;
export type RetentionTestsFile = z.infer<typeof retentionTestsSchema>;
export type DeletionTestsFile = z.infer<typeof deletionTestsSchema>;

// Truth tables (policies/tests/*_test.yaml): inputs and the decision the bundle must produce.
import { z } from 'zod';
import { STRATEGIES, category, datasetRef, header, isoDate, name, text } from './common';
import { AI_ASSESSMENTS, AI_DUTIES, AI_TIERS } from './ai-act';
import { legalHoldSchema } from './retention';
import { REQUEST_TYPE_VALUES, VERIFICATION_METHOD_VALUES } from './verification';

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

export const aiActTestsSchema = z.strictObject({
  ...header('AiActTests'),
  cases: z
    .array(
      z.strictObject({
        name: caseName,
        answers: z.record(name, z.union([z.boolean(), z.string()])).meta({ description: 'Questionnaire answers (question id -> yes/no or text); unanswered means no.' }),
        expect: z.strictObject({
          tier: z.enum(AI_TIERS),
          role: z.enum(['provider', 'deployer', 'provider_and_deployer', 'none']).optional(),
          duties: z.array(z.enum(AI_DUTIES)).optional().meta({ description: 'Exactly these Art. 50 duties (any order).' }),
          requires: z.array(z.enum(AI_ASSESSMENTS)).optional().meta({ description: 'Exactly these assessments (any order).' }),
          fired: z.array(name).optional().meta({ description: 'Rules that must be among those that fired.' }),
          not_fired: z.array(name).optional().meta({ description: 'Rules that must not have fired.' }),
          flags: z.array(name).optional().meta({ description: 'Flags that must be raised.' }),
        }),
      }),
    )
    .min(1),
});

/**
 * Truth table for the one "is this row held?" decision (server/policies/holds.ts). `holds` gives the
 * table its own holds (every shape, whatever the bundle holds today); without it the cases run
 * against retention.yaml's legal_holds.
 */
export const holdsTestsSchema = z.strictObject({
  ...header('HoldsTests'),
  holds: z.array(legalHoldSchema).optional().meta({ description: 'Holds the cases are decided against; default: the legal_holds of retention.yaml.' }),
  cases: z
    .array(
      z.strictObject({
        name: caseName,
        dataset: datasetRef,
        categories: z.array(category).optional().meta({ description: "Row's categories; default: every category of the dataset's columns in the data map." }),
        subject: text.optional().meta({ description: "Fingerprint of the row's data subject." }),
        now: isoDate,
        expect: z.strictObject({
          held: z.boolean(),
          hold: name.optional().meta({ description: 'For held: name of the hold expected to decide.' }),
        }),
      }),
    )
    .min(1),
});

/** Truth table for verification.yaml: the level a request needs and whether a method is enough. */
export const verificationTestsSchema = z.strictObject({
  ...header('VerificationTests'),
  cases: z
    .array(
      z.strictObject({
        name: caseName,
        regulation: z.enum(['gdpr', 'ccpa', 'lgpd']),
        type: z.enum(REQUEST_TYPE_VALUES),
        method: z.enum(VERIFICATION_METHOD_VALUES).optional().meta({ description: 'A verification method, to test whether it is enough.' }),
        expect: z.strictObject({
          level: name.meta({ description: 'The level the request needs.' }),
          allowed: z.boolean().optional().meta({ description: 'With method: whether the method reaches the level.' }),
        }),
      }),
    )
    .min(1),
});

export const testsFileSchema = z.discriminatedUnion('kind', [accessTestsSchema, retentionTestsSchema, deletionTestsSchema, aiActTestsSchema, holdsTestsSchema, verificationTestsSchema]);
export type TestsFile = z.infer<typeof testsFileSchema>;
export type AccessTestsFile = z.infer<typeof accessTestsSchema>;
export type RetentionTestsFile = z.infer<typeof retentionTestsSchema>;
export type DeletionTestsFile = z.infer<typeof deletionTestsSchema>;
export type AiActTestsFile = z.infer<typeof aiActTestsSchema>;
export type HoldsTestsFile = z.infer<typeof holdsTestsSchema>;
export type VerificationTestsFile = z.infer<typeof verificationTestsSchema>;

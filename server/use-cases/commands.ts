// One schema per command. The web forms and the API share them: the forms' flat fields are mapped
// to these shapes in routes.ts, the API sends them as JSON.
import { z } from 'zod';

export const STATUSES = [
  'draft',
  'submitted',
  'in_review',
  'approved',
  'approved_with_conditions',
  'rejected',
  'retired',
] as const;
export type UseCaseStatus = (typeof STATUSES)[number];
export const DECIDED: UseCaseStatus[] = ['approved', 'approved_with_conditions', 'rejected'];
export const PERSONAL_DATA_USES = ['trains', 'fine_tunes', 'grounds', 'prompts'] as const;
export const VOTES = ['approve', 'approve_with_conditions', 'reject'] as const;

export const DPIA_FIELDS = ['description', 'necessity', 'risks', 'measures'] as const;
export const FRIA_FIELDS = [
  'process',
  'period_frequency',
  'affected_categories',
  'risks_of_harm',
  'human_oversight',
  'measures_if_risks',
] as const;

const line = z.string().trim().max(200);
const long = z.string().trim().max(5000);
const list = (item: z.ZodType<string> = line) => z.array(item).max(100).default([]);

export const useCaseInput = z.object({
  title: z.string().trim().min(3, 'Give the use case a title (at least 3 characters).').max(200),
  ownerId: z.uuid('Choose the owner.'),
  purpose: z.string().trim().min(10, 'Describe the business purpose (at least 10 characters).').max(5000),
  models: list(),
  dataCategories: list(),
  datasets: list(),
  datamapModels: list(),
  personalDataUses: z.array(z.enum(PERSONAL_DATA_USES)).default([]),
  logRetention: line.default(''),
  humanOversight: long.default(''),
  affectedGroups: long.default(''),
  regions: list(),
  goLive: z.iso.date('Give the go-live date as YYYY-MM-DD.').nullable().default(null),
});
export type UseCaseInput = z.infer<typeof useCaseInput>;

export const answersInput = z.record(
  z.string().regex(/^[a-z][a-z0-9_]*$/),
  z.union([z.boolean(), z.string().trim().max(5000)]),
);
export type AnswersInput = z.infer<typeof answersInput>;

export const assessmentInput = z.object({
  dpia: z
    .object(Object.fromEntries(DPIA_FIELDS.map((f) => [f, long.default('')])))
    .partial()
    .default({}),
  fria: z
    .object(Object.fromEntries(FRIA_FIELDS.map((f) => [f, long.default('')])))
    .partial()
    .default({}),
});
export type AssessmentInput = { dpia: Record<string, string>; fria: Record<string, string> };

export const conditionInput = z.object({
  text: z.string().trim().min(3, 'Write the condition.').max(1000),
  due: z.iso.date('Give the due date as YYYY-MM-DD.').optional(),
  ownerId: z.uuid().optional(),
});

export const voteInput = z
  .object({
    vote: z.enum(VOTES, 'Choose approve, approve with conditions or reject.'),
    comment: z.string().trim().min(3, 'Explain your vote in a comment.').max(5000),
    conditions: z.array(conditionInput).max(50).default([]),
  })
  .refine((v) => v.vote !== 'approve_with_conditions' || v.conditions.length > 0, {
    path: ['conditions'],
    message: 'List at least one condition.',
  })
  .refine((v) => v.vote === 'approve_with_conditions' || v.conditions.length === 0, {
    path: ['conditions'],
    message: 'Only an approval with conditions lists conditions.',
  });
export type VoteInput = z.infer<typeof voteInput>;

export const assignInput = z.object({
  reviewerIds: z.array(z.uuid()).min(1, 'Choose at least one board member.').max(50),
});

export const overrideInput = z.object({
  tier: z.enum(['prohibited', 'high', 'limited', 'minimal'], 'Choose a tier.'),
  justification: z
    .string()
    .trim()
    .min(20, 'Write the justification for overriding the rules (at least 20 characters).')
    .max(5000),
});

export const packetInput = z.object({ meetingOn: z.iso.date('Give the meeting date as YYYY-MM-DD.') });

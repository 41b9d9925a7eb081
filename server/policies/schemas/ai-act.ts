// ai-act.yaml: the EU AI Act (Regulation (EU) 2024/1689) questionnaire, the rules that classify a
// use case from its answers, and the board's voting rules. Rules, not a score: each rule names the
// article it applies and what it decides; server/policies/ai-act.ts evaluates them.
import { z } from 'zod';
import { header, isoDate, isoDuration, name, text } from './common';

export const AI_TIERS = ['prohibited', 'high', 'limited', 'minimal'] as const;
export const AI_ROLES = ['provider', 'deployer'] as const;
export const AI_DUTIES = ['interaction', 'synthetic_content', 'emotion_biometric_notice', 'deepfake', 'public_interest_text'] as const;
export const AI_ASSESSMENTS = ['dpia', 'fria'] as const;
export const QUESTION_SECTIONS = ['role', 'prohibited', 'high_risk', 'derogation', 'transparency', 'gpai', 'assessment'] as const;

/** A fact a condition tests: a question id (yes, or a non-blank text answer), or a derived `tier.<t>` / `role.<r>`. */
const fact = z
  .string()
  .regex(/^((tier|role)\.)?[a-z][a-z0-9_]*$/, 'must be a question id, or tier.<tier> / role.<role>')
  .meta({ description: 'A question id (true when answered yes, or a text answer is not blank), or tier.<tier> / role.<role> decided by the other rules.' });

export const aiActFileSchema = z.strictObject({
  ...header('AiActPolicy'),
  questions: z
    .array(
      z.strictObject({
        id: name,
        section: z.enum(QUESTION_SECTIONS),
        text: text.meta({ description: 'The question as the questionnaire asks it.' }),
        kind: z.enum(['yes_no', 'text']).default('yes_no'),
        hint: text.optional(),
      }),
    )
    .min(1),
  rules: z
    .array(
      z.strictObject({
        name,
        article: text.meta({ description: 'The article the rule applies, e.g. "Art. 5(1)(f)".' }),
        reason: text,
        when: z
          .strictObject({ all: z.array(fact).optional(), any: z.array(fact).optional(), none: z.array(fact).optional() })
          .refine((w) => (w.all?.length ?? 0) + (w.any?.length ?? 0) > 0, 'a rule needs at least one `all` or `any` condition'),
        tier: z.enum(AI_TIERS).optional(),
        derogable: z.boolean().optional().meta({ description: 'An Annex III high-risk rule that an Art. 6(3) derogation sets aside.' }),
        derogation: z.boolean().optional().meta({ description: 'This rule grants the Art. 6(3) derogation.' }),
        role: z.enum(AI_ROLES).optional(),
        duty: z.enum(AI_DUTIES).optional().meta({ description: 'An Art. 50 transparency duty, on top of the tier.' }),
        requires: z.array(z.enum(AI_ASSESSMENTS)).optional().meta({ description: 'Assessments that must be complete before a decision.' }),
        flags: z.array(name).optional().meta({ description: 'Other consequences shown on the page (e.g. gpai_used, registration_art_49_2).' }),
      }),
    )
    .min(1),
  board: z.strictObject({
    min_reviewers: z.number().int().min(1).meta({ description: 'Board members an officer or chair must assign before votes count.' }),
    quorum: z.number().int().min(1).meta({ description: 'Votes on the current version needed before a decision.' }),
    majority: z.number().gte(0.5).lt(1).meta({ description: 'An outcome needs more than this share of the votes cast (0.5: simple majority).' }),
    review_every: z.strictObject({ high: isoDuration, limited: isoDuration, minimal: isoDuration }).meta({ description: 'Re-review interval after an approval, by tier.' }),
    conditional_review_within: isoDuration.meta({ description: 'An approval with conditions is re-reviewed at the latest after this.' }),
    condition_due_within: isoDuration.meta({ description: 'Default due date of a condition that names none.' }),
  }),
  dates: z
    .array(z.strictObject({ name, date: isoDate, article: text, description: text }))
    .optional()
    .meta({ description: 'Application dates (Art. 113); kept here, not in code, because amendments may move them.' }),
});
export type AiActFile = z.infer<typeof aiActFileSchema>;

// One zod schema per command, shared by the form and the API.
import { z } from 'zod';
import { VERIFICATION_METHOD_VALUES } from '../policies/schemas';

const regulation = z.enum(['gdpr', 'ccpa', 'lgpd'], { error: 'Choose the regulation: GDPR, CCPA or LGPD' });

export const identitySchema = z
  .object({
    email: z.email('Enter an email address like name@example.com').max(320).optional(),
    customer_id: z.string().trim().min(1).max(200).optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ().-]{6,25}$/, 'Enter a phone number like +44 20 7946 0958')
      .optional(),
  })
  .strict()
  .refine((v) => Object.values(v).some(Boolean), {
    message: 'Give at least one identity: email, customer id or phone',
    path: ['email'],
  });

export const createRequestSchema = z.object({
  type: z.enum(['erasure', 'access'], { error: 'Choose erasure or access' }),
  regulation,
  identity: identitySchema,
  reference: z.string().trim().max(200).default(''),
});
export type CreateRequest = z.infer<typeof createRequestSchema>;

/** The HTML form posts flat fields; empty strings mean "not given". */
export const createRequestFormSchema = z.preprocess((raw) => {
  const f = (raw ?? {}) as Record<string, unknown>;
  const given = (k: string) =>
    typeof f[k] === 'string' && (f[k] as string).trim() ? (f[k] as string).trim() : undefined;
  const identity = Object.fromEntries(['email', 'customer_id', 'phone'].map((k) => [k, given(k)]).filter(([, v]) => v));
  return { type: given('type'), regulation: given('regulation'), identity, reference: given('reference') ?? '' };
}, createRequestSchema);

export const verifySchema = z.object({
  method: z.enum(VERIFICATION_METHOD_VALUES, {
    error: 'Choose how the identity was verified',
  }),
  evidence: z.string().trim().min(3, 'Describe the evidence (what was checked, where it is kept)').max(2000),
});

/** An officer's decision on a value other people's rows hold too (server/requests/shared-values.ts). */
export const sharedDecisionSchema = z.object({
  ref: z.string().regex(/^[0-9a-f]{20}$/, 'Choose a value from the dry run'),
  decision: z.enum(['confirm', 'reject'], { error: 'Choose confirm or reject' }),
});

export const reasonSchema = z.object({
  reason: z.string().trim().min(5, 'Give the reason (at least a few words)').max(2000),
});

export const VERIFICATION_METHODS: { value: (typeof VERIFICATION_METHOD_VALUES)[number]; label: string }[] = [
  { value: 'email_link', label: 'Confirmation link sent to the email on file' },
  { value: 'account_login', label: 'Signed-in account session' },
  { value: 'knowledge_based', label: 'Knowledge-based (account details matched)' },
  { value: 'two_data_points', label: 'Two data points matched against our records' },
  { value: 'government_id', label: 'Government ID checked' },
  {
    value: 'three_data_points_declaration',
    label: 'Three data points matched and a signed declaration under penalty of perjury',
  },
  { value: 'other', label: 'Other (describe in the evidence)' },
];

import { z } from 'zod';
import { header, name, reason, text } from './common';

const action = z.string().regex(/^([a-z][a-z0-9_]*|\*)$/, 'must be a snake_case action or "*"');
const resource = z.string().regex(/^([a-z][a-z0-9_]*|\*)$/, 'must be a snake_case resource or "*"');

export const accessFileSchema = z.strictObject({
  ...header('AccessPolicy'),
  roles: z
    .array(
      z.strictObject({
        name,
        description: text,
        mfa: z.enum(['required', 'optional']).meta({ description: 'Whether users with this role must use a second factor.' }),
      }),
    )
    .min(1)
    .meta({ description: 'Every role a user can hold.' }),
  resources: z
    .record(name, z.array(name).min(1))
    .meta({ description: 'Every resource and the actions on it; routes may only ask for these permissions.' }),
  rules: z
    .array(
      z.strictObject({
        role: name.meta({ description: 'Role this rule grants to.' }),
        resource: resource.meta({ description: 'Resource name, or "*" (quoted) for every resource.' }),
        actions: z.array(action).min(1).meta({ description: 'Actions granted, or ["*"] for all actions of the resource.' }),
        conditions: z
          .array(z.enum(['four_eyes']))
          .optional()
          .meta({ description: 'Named conditions; four_eyes: the principal is not the one who submitted the resource.' }),
        reason,
      }),
    )
    .meta({ description: 'Allow rules. Anything no rule allows is denied; no role is implicitly all-powerful.' }),
  tokens: z
    .strictObject({
      default_expiry_days: z.number().int().min(1).meta({ description: 'Days a personal API token lasts when its owner names no expiry.' }),
      max_expiry_days: z.number().int().min(1).meta({ description: 'The longest a personal API token may last.' }),
    })
    .optional()
    .meta({ description: 'Personal API tokens (default: 90 days, at most 365).' }),
  review: z
    .strictObject({
      unused_days: z
        .number()
        .int()
        .min(1)
        .max(3650)
        .meta({ description: 'Days without a sign-in (accounts) or a use (API tokens) after which the access review reports them.' }),
    })
    .optional()
    .meta({ description: 'The access review audit (default: unused for 90 days). Tokens older than tokens.max_expiry_days are reported too.' }),
  invitations: z
    .strictObject({ expiry_hours: z.number().int().min(1).max(720).meta({ description: 'Hours an invitation link stays valid.' }) })
    .optional()
    .meta({ description: 'Invitations to new accounts (default: 72 hours).' }),
  policy_activation: z
    .strictObject({
      second_person: z.boolean().meta({ description: 'A reload by a person waits until a different person approves it (the CLI, SIGHUP and the file watch are break-glass).' }),
    })
    .optional()
    .meta({ description: 'Who activates a new policy bundle (default: the person who reloads, alone).' }),
});
export type AccessFile = z.infer<typeof accessFileSchema>;

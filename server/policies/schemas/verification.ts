import { z } from 'zod';
import { header, name, reason, regulations, text } from './common';

/** How an officer can say a requester's identity was checked (the verify step's choices). */
export const VERIFICATION_METHOD_VALUES = [
  'email_link',
  'account_login',
  'knowledge_based',
  'two_data_points',
  'government_id',
  'three_data_points_declaration',
  'other',
] as const;
export type VerificationMethod = (typeof VERIFICATION_METHOD_VALUES)[number];

export const REQUEST_TYPE_VALUES = ['erasure', 'access'] as const;

export const verificationFileSchema = z
  .strictObject({
    ...header('VerificationPolicy'),
    levels: z
      .array(z.strictObject({ name, description: text }))
      .min(1)
      .meta({ description: 'Degrees of certainty about a requester\'s identity, weakest first; a method that reaches a level satisfies every level before it.' }),
    methods: z
      .partialRecord(z.enum(VERIFICATION_METHOD_VALUES), name)
      .meta({ description: `The level each verification method reaches; every method (${VERIFICATION_METHOD_VALUES.join(', ')}) must be given one.` }),
    requirements: z
      .array(
        z.strictObject({
          regulations,
          types: z.array(z.enum(REQUEST_TYPE_VALUES)).min(1).meta({ description: 'Request types: erasure, access.' }),
          level: name.meta({ description: 'The level a request of these regulations and types needs before it can be marked verified.' }),
          reason,
        }),
      )
      .min(1)
      .meta({ description: 'Required levels; where several match a request the strictest wins, where none does the weakest level is enough.' }),
  })
  .superRefine((v, ctx) => {
    const levels = new Set(v.levels.map((l) => l.name));
    v.levels.forEach((l, i) => {
      if (v.levels.findIndex((x) => x.name === l.name) !== i) ctx.addIssue({ code: 'custom', path: ['levels', i, 'name'], message: `level ${l.name} is listed twice` });
    });
    for (const m of VERIFICATION_METHOD_VALUES) {
      const level = v.methods[m];
      if (level === undefined) ctx.addIssue({ code: 'custom', path: ['methods'], message: `give method ${m} a level (one of ${[...levels].join(', ')})` });
      else if (!levels.has(level)) ctx.addIssue({ code: 'custom', path: ['methods', m], message: `unknown level ${level}: not in levels (${[...levels].join(', ')})` });
    }
    v.requirements.forEach((r, i) => {
      if (!levels.has(r.level)) ctx.addIssue({ code: 'custom', path: ['requirements', i, 'level'], message: `unknown level ${r.level}: not in levels (${[...levels].join(', ')})` });
    });
  });
export type VerificationFile = z.infer<typeof verificationFileSchema>;

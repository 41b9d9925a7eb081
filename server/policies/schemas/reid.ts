import { z } from 'zod';
import { header, name } from './common';

const share = z.number().gt(0).lte(1);

export const reidFileSchema = z.strictObject({
  ...header('ReidPolicy'),
  thresholds: z
    .array(
      z.strictObject({
        kind: name.meta({ description: 'Release kind (datasets name it as release_kind); `default` applies otherwise.' }),
        k: z.number().int().min(2).meta({ description: 'k-anonymity: smallest equivalence class allowed.' }),
        max_prosecutor_risk: share.meta({ description: 'Highest prosecutor re-identification risk allowed (1/f of the smallest class).' }),
        risk_threshold: share.default(0.2).meta({ description: 'Risk above which a record counts as "at risk".' }),
        max_records_at_risk: z.number().min(0).max(1).meta({ description: 'Largest share (0..1) of records at risk.' }),
        l: z.number().int().min(2).optional().meta({ description: 'l-diversity of sensitive attributes.' }),
        t: share.optional().meta({ description: 't-closeness of sensitive attributes.' }),
        zero_leaked_identifiers: z.boolean().meta({ description: 'No direct identifier may appear in the release.' }),
      }),
    )
    .min(1),
});
export type ReidFile = z.infer<typeof reidFileSchema>;

import { z } from 'zod';
import { category, header, text } from './common';

export const taxonomyFileSchema = z.strictObject({
  ...header('Taxonomy'),
  categories: z
    .array(
      z.strictObject({
        key: category.meta({ description: 'Dotted key; its parent (the key minus its last segment) must be listed too.' }),
        name: text,
        description: text,
      }),
    )
    .min(1)
    .meta({ description: 'Data categories (Fides taxonomy names, extended where needed).' }),
});
export type TaxonomyFile = z.infer<typeof taxonomyFileSchema>;

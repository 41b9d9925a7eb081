import { z } from 'zod';
import { category, datasetRef, header, name, text } from './common';

const column = z.strictObject({
  name,
  categories: z.array(category).min(1, 'classify every column with at least one category'),
  identity: name.optional().meta({ description: 'Set on columns that identify the data subject: the identity kind (email, customer_id, phone).' }),
});

const dataset = z.strictObject({
  name,
  kind: z.enum(['table', 'prompt_log', 'embeddings', 'training_snapshot']).default('table'),
  description: text,
  primary_key: z.array(name).min(1),
  columns: z.array(column).min(1),
  references: z
    .array(
      z.strictObject({
        column: name.meta({ description: 'Column of this dataset.' }),
        to: z
          .string()
          .regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, 'must be <dataset>.<column> in the same system')
          .meta({ description: '<dataset>.<column> it points to, in the same system.' }),
      }),
    )
    .optional(),
  built_from: z.array(datasetRef).optional().meta({ description: 'AI artefacts: the <system>.<dataset> entries it was built from.' }),
  release_kind: name.optional().meta({ description: 'Re-identification thresholds kind in reid.yaml this dataset is released under.' }),
});

const model = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be lower-case letters, digits, dots, dashes or underscores'),
  description: text,
  trained_on: z.array(datasetRef).min(1).meta({ description: 'Training snapshots (<system>.<dataset>) the model was trained on.' }),
});

export const datamapFileSchema = z.strictObject({
  ...header('DataSystem'),
  name,
  description: text,
  connection_env: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, 'must be the NAME of an environment variable, never a connection string')
    .meta({ description: 'Environment variable holding the connection string.' }),
  engine: z.literal('postgres').default('postgres'),
  datasets: z.array(dataset).min(1),
  models: z.array(model).optional(),
});
export type DatamapFile = z.infer<typeof datamapFileSchema>;

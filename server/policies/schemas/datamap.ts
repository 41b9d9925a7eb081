import { z } from 'zod';
import { category, datasetRef, header, name, text } from './common';

const column = z.strictObject({
  name,
  categories: z.array(category).min(1, 'classify every column with at least one category'),
  identity: name.optional().meta({
    description: 'Set on columns that identify the data subject: the identity kind (email, customer_id, phone). Every identity column is a lookup key: a row holding one of the subject\'s values there is the subject\'s row.',
  }),
  mentions: name
    .optional()
    .meta({ description: 'Set instead of identity on columns that only name other people (cc, "reported by", "assigned to"): the identity kind they hold. Only the value is erased; the row stays.' }),
  pseudonymize: z
    .enum(['hmac', 'mask'], { error: 'pseudonymize is hmac (a keyed token per dataset) or mask (format-preserving)' })
    .optional()
    .meta({ description: 'Direct identifiers only: how an anonymized version of this dataset replaces the column. hmac: a keyed token under the dataset\'s destroyable key (joins survive); mask: letters to x/X, digits to 0. Columns without it are copied unchanged.' }),
});

const dataset = z.strictObject({
  name,
  kind: z.enum(['table', 'prompt_log', 'embeddings', 'training_snapshot']).default('table'),
  description: text,
  primary_key: z
    .array(name)
    .min(1)
    .optional()
    .meta({ description: 'Primary key columns. Omitted: read from the database (pg_index) when an erasure is planned; a table without one is addressed by ctid.' }),
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
  events: z
    .record(name, name)
    .optional()
    .meta({ description: 'Named events (retention rules counted from an event) -> the date column of this dataset that records when it happened, e.g. { account_closed: closed_at }.' }),
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
  engine: z.enum(['postgres', 'mysql']).default('postgres').meta({ description: 'postgres, or mysql (MySQL and MariaDB); the connection string must match (postgres://… or mysql://…).' }),
  datasets: z.array(dataset).min(1),
  models: z.array(model).optional(),
});
export type DatamapFile = z.infer<typeof datamapFileSchema>;

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

// What an access request tells the person (GDPR Art. 15(1)-(2), CCPA §1798.110, LGPD Art. 9 and 18):
// set on a system for all its datasets, or on a dataset to say something else for that one.
const subjectInfo = {
  purposes: z
    .array(text)
    .min(1)
    .optional()
    .meta({ description: 'Why the data is processed, each with its lawful basis (GDPR Art. 15(1)(a), Art. 6). Shown in access packages.' }),
  recipients: z
    .array(text)
    .optional()
    .meta({ description: 'Recipients or categories of recipients the data is disclosed to (Art. 15(1)(c)); an empty list means nobody outside the company.' }),
  data_source: text
    .optional()
    .meta({ description: 'Where the data comes from (Art. 15(1)(g)), e.g. "You, when you sign up" or "Our payment processor".' }),
  transfers: z
    .array(
      z.strictObject({
        country: text.meta({ description: 'Country or region outside the EEA the data goes to.' }),
        recipient: text.optional().meta({ description: 'Who receives it there.' }),
        safeguard: text.meta({ description: 'The Art. 46 safeguard or Art. 45 adequacy decision, e.g. "EU Standard Contractual Clauses (2021/914)".' }),
      }),
    )
    .optional()
    .meta({ description: 'Transfers outside the EEA and their safeguards (Art. 15(2)); an empty list means none.' }),
  automated_decisions: z
    .array(
      z.strictObject({
        description: text.meta({ description: 'The decision made without a person, including profiling (Art. 22(1), (4)).' }),
        logic: text.meta({ description: 'Meaningful information about the logic involved (Art. 15(1)(h)).' }),
        consequences: text.meta({ description: 'Its significance and the envisaged consequences for the person.' }),
      }),
    )
    .optional()
    .meta({ description: 'Automated decision-making, including profiling; an empty list means none.' }),
};

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
  files: z
    .strictObject({
      glob: z
        .string()
        .min(1)
        .meta({ description: 'Files of the dataset, relative to the system\'s root directory: a file name, or a pattern with * and ? in its last segment (train/*.jsonl).' }),
      format: z
        .enum(['csv', 'jsonl', 'parquet'], { error: 'format is csv (with a header line), jsonl (one JSON object per line) or parquet' })
        .meta({ description: 'How the files are written: csv (RFC 4180 with a header line), jsonl or parquet.' }),
    })
    .optional()
    .meta({ description: 'engine: files only: the files holding this dataset. Columns are the CSV header names, JSON keys or Parquet columns.' }),
  ...subjectInfo,
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
  engine: z
    .enum(['postgres', 'mysql', 'auto', 'files'])
    .default('postgres')
    .meta({ description: 'postgres, mysql (MySQL and MariaDB), auto (PostgreSQL or MySQL/MariaDB, as the connection string says: mysql:// or mariadb:// is MySQL/MariaDB, anything else PostgreSQL), or files (CSV, JSONL and Parquet files under a directory). The connection string must match (postgres://… or mysql://…); for files the variable holds the directory.' }),
  root: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'engine: files only: the directory, relative to the data directory (LETHE_DATA_DIR), used when the connection_env variable is not set.' }),
  ...subjectInfo,
  datasets: z.array(dataset).min(1),
  models: z.array(model).optional(),
});
export type DatamapFile = z.infer<typeof datamapFileSchema>;

// One zod schema per command: the "new test" form (multipart, flat strings) and the API body.
import { z } from 'zod';

export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const DATASET_NAME_HINT = 'letters, digits, dots, dashes and underscores, e.g. marketing_export_2026';

export const DELIMITERS = [
  { value: 'auto', label: 'Detect it', char: undefined },
  { value: ',', label: 'Comma (,)', char: ',' },
  { value: ';', label: 'Semicolon (;)', char: ';' },
  { value: 'tab', label: 'Tab', char: '\t' },
] as const;

const columnName = z.string().max(200, 'A column name is at most 200 characters');

/** "a, b ,c" → ["a", "b", "c"]. */
const columnList = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
  )
  .pipe(z.array(columnName).max(100, 'Name at most 100 columns'));

function checkColumns(v: { quasi: string[]; sensitive: string[] }, ctx: z.RefinementCtx) {
  const twice = (list: string[]) => list.find((c, i) => list.indexOf(c) !== i);
  const q = twice(v.quasi);
  if (q) ctx.addIssue({ code: 'custom', path: ['quasi'], message: `The quasi-identifier "${q}" is named twice` });
  const s = twice(v.sensitive);
  if (s)
    ctx.addIssue({ code: 'custom', path: ['sensitive'], message: `The sensitive attribute "${s}" is named twice` });
  const both = v.sensitive.find((c) => v.quasi.includes(c));
  if (both)
    ctx.addIssue({
      code: 'custom',
      path: ['sensitive'],
      message: `"${both}" cannot be both a quasi-identifier and a sensitive attribute`,
    });
}

export const newRunFormSchema = z
  .object({
    source: z.enum(['csv', 'table'], { error: 'Choose where the data comes from: an uploaded CSV file or a table' }),
    dataset: z.string().trim().max(100, 'The dataset name is at most 100 characters').default(''),
    delimiter: z
      .enum(['auto', ',', ';', 'tab'], { error: 'Choose the delimiter, or let Lethe detect it' })
      .default('auto'),
    table: z.string().trim().default(''),
    quasi: columnList,
    sensitive: columnList,
    kind: z.string().trim().max(100).default(''),
  })
  .superRefine((v, ctx) => {
    if (v.source === 'csv' && v.quasi.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['quasi'],
        message: 'Name at least one quasi-identifier (a column such as postal_code or birth_year)',
      });
    }
    if (v.source === 'csv' && v.dataset && !DATASET_NAME.test(v.dataset)) {
      ctx.addIssue({ code: 'custom', path: ['dataset'], message: `Name the dataset with ${DATASET_NAME_HINT}` });
    }
    if (v.source === 'table' && !/^[^.\s]+\.[^\s]+$/.test(v.table)) {
      ctx.addIssue({ code: 'custom', path: ['table'], message: 'Choose the table to test' });
    }
    checkColumns(v, ctx);
  });
export type NewRunForm = z.infer<typeof newRunFormSchema>;

/** The API starts table runs only (uploads go through the form). */
export const apiRunSchema = z
  .object({
    table: z.string().regex(/^[^.\s]+\.[^\s]+$/, 'Give the table as system.table'),
    quasi: z.array(columnName).max(100).default([]),
    sensitive: z.array(columnName).max(100).default([]),
    kind: z.string().max(100).default(''),
  })
  .strict()
  .superRefine(checkColumns);

// The "anonymize a table" form: one schema, then checks against the data map (columns exist, each
// quasi-identifier has a rule that parses, the release kind has thresholds).
import { z } from 'zod';
import type { FormErrors, Parsed } from '../http/forms';
import { toFormErrors } from '../http/forms';
import type { PolicyBundle } from '../policies/types';
import { columnsFromDataMap } from '../reid/datamap-columns';
import { METRICS, type Metric } from './engine';
import { parseRule } from '../reid/hierarchy';
import { declaredPseudonyms } from './table-run';
import type { AnonymizationOptions } from './runs';

export const FORM_FIELDS = ['table', 'rules', 'sensitive', 'kind', 'maxSuppression', 'metric'] as const;
export type AnonymizeFormValues = Record<(typeof FORM_FIELDS)[number], string>;

const formSchema = z.object({
  table: z
    .string()
    .trim()
    .regex(/^[^.\s]+\.[^\s]+$/, 'Choose the table to anonymize'),
  rules: z.string().max(5000).default(''),
  sensitive: z.string().max(2000).default(''),
  kind: z.string().trim().max(100).default(''),
  maxSuppression: z
    .string()
    .trim()
    .default('0')
    .transform((s) => Number(s || '0'))
    .pipe(
      z
        .number({ error: 'Give the share of records that may be suppressed as a percentage, e.g. 4' })
        .min(0, 'At least 0 %')
        .max(100, 'At most 100 %'),
    ),
  metric: z
    .enum(METRICS as [Metric, ...Metric[]], { error: `Choose the information loss to minimise: ${METRICS.join(', ')}` })
    .default('loss'),
});

const list = (s: string) =>
  s
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);

/** Suggested hierarchy rules for the data map's quasi-identifiers, by category. */
function suggestedRule(categories: string[]): string {
  if (categories.some((c) => c.startsWith('user.demographic.date_of_birth'))) return 'date:month,year,decade';
  if (categories.some((c) => c.startsWith('user.contact.address.postal_code'))) return 'mask:1,2,3';
  return '';
}

export function defaultsFor(bundle: PolicyBundle, ref: string): AnonymizeFormValues | null {
  const [system, table] = ref.split('.', 2);
  const dataset = bundle.datamap.systems.find((s) => s.name === system)?.datasets.find((d) => d.name === table);
  if (!dataset) return null;
  const { quasi, sensitive } = columnsFromDataMap(dataset);
  const rules = quasi
    .map((q) => `${q} = ${suggestedRule(dataset.columns.find((c) => c.name === q)!.categories)}`)
    .join('\n');
  return {
    table: ref,
    rules,
    sensitive: sensitive.join(', '),
    kind: dataset.releaseKind ?? '',
    maxSuppression: '0',
    metric: 'loss',
  };
}

export interface AnonymizeInput {
  dataset: string;
  releaseKind: string;
  options: AnonymizationOptions;
}

export function resolveForm(bundle: PolicyBundle, kinds: string[], body: unknown): Parsed<AnonymizeInput> {
  const parsed = formSchema.safeParse(body ?? {});
  if (!parsed.success) return { ok: false, errors: toFormErrors(parsed.error) };
  const form = parsed.data;
  const fields: Record<string, string> = {};
  const [system, table] = form.table.split('.', 2);
  const dataset = bundle.datamap.systems.find((s) => s.name === system)?.datasets.find((d) => d.name === table);
  if (!dataset)
    return { ok: false, errors: errors({ table: `Choose a table from the data map; there is no ${form.table}` }) };
  const known = dataset.columns.map((c) => c.name);
  const rules: Record<string, string> = {};
  for (const line of form.rules
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    const m = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      fields.rules ??= `Write one quasi-identifier per line as column = rule, e.g. postal_code = mask:1,2,3 (got "${line.slice(0, 80)}")`;
      continue;
    }
    const [, column, rule] = m;
    if (!known.includes(column)) fields.rules ??= `Unknown column "${column}": ${form.table} has ${known.join(', ')}`;
    else if (rules[column] !== undefined) fields.rules ??= `The quasi-identifier "${column}" is named twice`;
    else {
      try {
        parseRule(rule);
        rules[column] = rule;
      } catch (e) {
        fields.rules ??= `${column}: ${(e as Error).message}`;
      }
    }
  }
  const quasi = Object.keys(rules);
  if (quasi.length === 0 && !fields.rules)
    fields.rules = 'Name at least one quasi-identifier with its rule, e.g. postal_code = mask:1,2,3';
  const sensitive = list(form.sensitive);
  const unknown = sensitive.find((c) => !known.includes(c));
  if (unknown) fields.sensitive = `Unknown column "${unknown}": ${form.table} has ${known.join(', ')}`;
  const both = sensitive.find((c) => quasi.includes(c));
  if (both) fields.sensitive ??= `"${both}" cannot be both a quasi-identifier and a sensitive attribute`;
  const pseudonymize = declaredPseudonyms(dataset);
  for (const [field, columns] of [
    ['rules', quasi],
    ['sensitive', sensitive],
  ] as const) {
    const hidden = columns.find((c) => pseudonymize[c]);
    if (hidden)
      fields[field] ??= `"${hidden}" is pseudonymized by the data map; it cannot also be generalized or sensitive`;
  }
  if (form.kind && !kinds.includes(form.kind))
    fields.kind = `Choose a release kind from the policy: ${kinds.join(', ')}`;
  if (Object.keys(fields).length) return { ok: false, errors: errors(fields) };
  return {
    ok: true,
    data: {
      dataset: form.table,
      releaseKind: form.kind || dataset.releaseKind || 'default',
      options: {
        system,
        table,
        quasi,
        sensitive,
        rules,
        maxSuppression: form.maxSuppression / 100,
        metric: form.metric,
        pseudonymize,
      },
    },
  };
}

function errors(fields: Record<string, string>): FormErrors {
  const keys = Object.keys(fields).sort((a, b) => FORM_FIELDS.indexOf(a as never) - FORM_FIELDS.indexOf(b as never));
  return {
    summary: keys.map((field) => ({ field, message: fields[field] })),
    fields: Object.fromEntries(keys.map((k) => [k, fields[k]])),
  };
}

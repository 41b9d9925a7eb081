// The explain panel's three forms (access, deletion, retention): their choices from the active
// bundle, validation of what was submitted, and the explanation from server/policies/explain.ts.
// The same questions `lethe policy explain …` answers, with the same engine.
import { z } from 'zod';
import { allDatasets } from '../datamap/lookup';
import { toFormErrors, noErrors, type FormErrors } from '../http/forms';
import { parseIsoDate } from '../policies/durations';
import { explainAccess, explainDeletion, explainRetention, type Explanation } from '../policies/explain';
import { datasetCategories } from '../policies/dataset-categories';
import { matchRetentionRule } from '../policies/retention';
import { REGULATIONS, type PolicyBundle, type Regulation } from '../policies/types';
import { formatRef } from '../policies/yaml-source';

export const EXPLAIN_FORMS = ['access', 'deletion', 'retention'] as const;
export type ExplainForm = (typeof EXPLAIN_FORMS)[number];

export const FIELDS: Record<ExplainForm, readonly string[]> = {
  access: ['role', 'action', 'resource', 'submittedBy'],
  deletion: ['category', 'regulation', 'dataset'],
  retention: ['dataset', 'date', 'now'],
};

/** Who submitted the resource, for rules with the four_eyes condition. */
const SUBMITTERS = { '': 'Not known', self: 'The same person', other: 'Someone else' } as const;

export interface Choice {
  value: string;
  label: string;
}

export interface ExplainChoices {
  roles: Choice[];
  resources: Choice[];
  actions: Choice[];
  submitters: Choice[];
  categories: Choice[];
  regulations: Choice[];
  datasets: Choice[];
}

export interface ExplainResult extends Explanation {
  form: ExplainForm;
  /** The rule's position as file:line:column, and a link to that line of the active bundle's file. */
  ruleAt: string | null;
  ruleHref: string | null;
}

export interface ExplainOutcome {
  form: ExplainForm | null;
  values: Record<ExplainForm, Record<string, string>>;
  errors: Record<ExplainForm, FormErrors>;
  result: ExplainResult | null;
}

const pick = (empty: string): Choice => ({ value: '', label: empty });
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

export function explainChoices(bundle: PolicyBundle): ExplainChoices {
  const access = bundle.access;
  return {
    roles: [pick('Choose a role'), ...access.roles.map((r) => ({ value: r.name, label: r.name.replace(/_/g, ' ') }))],
    resources: [
      pick('Choose a resource'),
      ...sorted(Object.keys(access.resources)).map((r) => ({ value: r, label: r })),
    ],
    actions: [
      pick('Choose an action'),
      ...sorted(Object.values(access.resources).flat()).map((a) => ({ value: a, label: a })),
    ],
    submitters: Object.entries(SUBMITTERS).map(([value, label]) => ({ value, label })),
    categories: [
      pick('Choose a category'),
      ...bundle.taxonomy.categories.map((c) => ({ value: c.key, label: `${c.key} (${c.name})` })),
    ],
    regulations: REGULATIONS.map((r) => ({ value: r, label: r.toUpperCase() })),
    datasets: [pick('Choose a dataset'), ...allDatasets(bundle.datamap).map((d) => ({ value: d.key, label: d.key }))],
  };
}

const oneOf = (choices: Choice[], message: string) =>
  z.string({ error: message }).refine((v) => v !== '' && choices.some((c) => c.value === v), message);
const optionalDate = (message: string) =>
  z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || parseIsoDate(v) !== null, message)
    .transform((v) => (v ? parseIsoDate(v)! : null));

function schemas(choices: ExplainChoices) {
  return {
    access: z.object({
      role: oneOf(choices.roles, 'Choose one of the roles the access policy defines'),
      action: oneOf(choices.actions, 'Choose an action'),
      resource: oneOf(choices.resources, 'Choose one of the resources the access policy defines'),
      submittedBy: z.enum(['', 'self', 'other'], { error: 'Choose who submitted the resource' }).default(''),
    }),
    deletion: z.object({
      category: oneOf(choices.categories, 'Choose a category of the taxonomy'),
      regulation: z.enum(REGULATIONS as [Regulation, ...Regulation[]], { error: 'Choose GDPR, CCPA or LGPD' }),
      dataset: oneOf(choices.datasets, 'Choose a dataset of the data map'),
    }),
    retention: z.object({
      dataset: oneOf(choices.datasets, 'Choose a dataset of the data map'),
      date: optionalDate('Enter a date like 2024-03-31'),
      now: optionalDate('Enter a date like 2026-11-28, or leave it empty for today'),
    }),
  };
}

const blankValues = (): Record<ExplainForm, Record<string, string>> => ({
  access: { role: '', action: '', resource: '', submittedBy: '' },
  deletion: { category: '', regulation: 'gdpr', dataset: '' },
  retention: { dataset: '', date: '', now: '' },
});

/** Field ids carry the form's name (three forms share the page), so the error summary links land. */
function prefixed(form: ExplainForm, errors: FormErrors): FormErrors {
  const id = (field: string) => `${form}-${field === 'form' ? FIELDS[form][0] : field}`;
  return {
    summary: errors.summary.map((s) => ({ ...s, field: id(s.field) })),
    fields: Object.fromEntries(Object.entries(errors.fields).map(([k, v]) => [id(k), v])),
  };
}

/** Reads `?form=…&field=…`; no `form` means nothing was asked yet. */
export function explainFromQuery(
  bundle: PolicyBundle,
  query: Record<string, unknown>,
  now: Date = new Date(),
): ExplainOutcome {
  const values = blankValues();
  const errors: Record<ExplainForm, FormErrors> = { access: noErrors, deletion: noErrors, retention: noErrors };
  const form = EXPLAIN_FORMS.find((f) => f === query.form) ?? null;
  if (!form) return { form: null, values, errors, result: null };
  const input = Object.fromEntries(
    FIELDS[form].filter((k) => typeof query[k] === 'string').map((k) => [k, query[k] as string]),
  );
  values[form] = { ...values[form], ...input };
  const s = schemas(explainChoices(bundle));

  let explanation: Explanation;
  if (form === 'access') {
    const r = s.access.safeParse(input);
    if (!r.success)
      return { form, values, errors: { ...errors, access: prefixed(form, toFormErrors(r.error)) }, result: null };
    const principal = { id: 'principal', role: r.data.role };
    const submittedBy =
      r.data.submittedBy === 'self' ? principal.id : r.data.submittedBy === 'other' ? 'someone-else' : undefined;
    explanation = explainAccess(bundle, {
      principal,
      action: r.data.action,
      resource: r.data.resource,
      context: submittedBy ? { submittedBy } : {},
    });
  } else if (form === 'deletion') {
    const r = s.deletion.safeParse(input);
    if (!r.success)
      return { form, values, errors: { ...errors, deletion: prefixed(form, toFormErrors(r.error)) }, result: null };
    explanation = explainDeletion(bundle, r.data);
  } else {
    const r = s.retention.safeParse(input);
    if (!r.success)
      return { form, values, errors: { ...errors, retention: prefixed(form, toFormErrors(r.error)) }, result: null };
    explanation = explainRetention(bundle, retentionRecord(bundle, r.data.dataset, r.data.date, r.data.now ?? now));
  }
  return { form, values, errors, result: withLink(bundle, form, explanation) };
}

/** The one date the form takes is the start of the clock: whichever column or event the matching rule counts from. */
function retentionRecord(bundle: PolicyBundle, dataset: string, start: Date | null, now: Date) {
  const categories = datasetCategories(bundle, dataset) ?? [];
  const rule = matchRetentionRule(bundle.retention.rules, dataset, categories);
  const dates: Record<string, Date> = {};
  const events: Record<string, Date> = {};
  if (rule && start) {
    if ('column' in rule.from) dates[rule.from.column] = start;
    else events[rule.from.event] = start;
  }
  return { dataset, categories, dates, events, now };
}

function withLink(bundle: PolicyBundle, form: ExplainForm, e: Explanation): ExplainResult {
  const src = e.source;
  const inBundle = src && bundle.files.some((f) => f.path === src.file);
  return {
    ...e,
    form,
    ruleAt: src ? formatRef(src) : null,
    ruleHref: src && inBundle ? `${fileHref(src.file)}#L${src.line}` : null,
  };
}

/** Link to a file of the active bundle; each path segment encoded. */
export const fileHref = (path: string) => `/policies/files/${path.split('/').map(encodeURIComponent).join('/')}`;

// From the pages' flat form fields (urlencoded: a repeated field is an array, a single one a
// string) to the command shapes of commands.ts, and back for re-rendering with the input kept.
import { DPIA_FIELDS, FRIA_FIELDS, type AssessmentInput } from './commands';
import type { AiQuestion } from '../policies/ai-act';
import type { UseCaseRow } from './queries';
import { isoDay } from './service';

type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0] ?? '') : '');
const arr = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
const lines = (v: unknown) =>
  str(v)
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
const commaList = (v: unknown) =>
  str(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function fieldsFromForm(b: Body) {
  return {
    title: str(b.title),
    ownerId: str(b.ownerId),
    purpose: str(b.purpose),
    models: lines(b.models),
    dataCategories: arr(b.dataCategories),
    datasets: arr(b.datasets),
    datamapModels: arr(b.datamapModels),
    personalDataUses: arr(b.personalDataUses),
    logRetention: str(b.logRetention),
    humanOversight: str(b.humanOversight),
    affectedGroups: str(b.affectedGroups),
    regions: commaList(b.regions),
    goLive: str(b.goLive) || null,
  };
}

/** What the form shows: the row's values, or the submitted input when re-rendering. */
export function formValues(row: UseCaseRow | null, body?: Body) {
  if (body) {
    const f = fieldsFromForm(body);
    return { ...f, models: f.models.join('\n'), regions: f.regions.join(', '), goLive: f.goLive ?? '' };
  }
  return {
    title: row?.title ?? '',
    ownerId: row?.owner_id ?? '',
    purpose: row?.purpose ?? '',
    models: (row?.models ?? []).join('\n'),
    dataCategories: row?.data_categories ?? [],
    datasets: row?.datasets ?? [],
    datamapModels: row?.datamap_models ?? [],
    personalDataUses: row?.personal_data_uses ?? [],
    logRetention: row?.log_retention ?? '',
    humanOversight: row?.human_oversight ?? '',
    affectedGroups: row?.affected_groups ?? '',
    regions: (row?.regions ?? []).join(', '),
    goLive: isoDay(row?.go_live ?? null) ?? '',
  };
}

/** Yes/no questions are checkboxes (unchecked: absent, so no); text questions are text. */
export function answersFromForm(questions: AiQuestion[], b: Body): Record<string, boolean | string> {
  const out: Record<string, boolean | string> = {};
  for (const q of questions) {
    const v = b[`q_${q.id}`];
    if (q.kind === 'text') {
      if (str(v).trim()) out[q.id] = str(v).trim();
    } else if (str(v) === 'yes') out[q.id] = true;
  }
  return out;
}

export function assessmentFromForm(b: Body): AssessmentInput {
  return {
    dpia: Object.fromEntries(DPIA_FIELDS.map((f) => [f, str(b[`dpia_${f}`]).trim()])),
    fria: Object.fromEntries(FRIA_FIELDS.map((f) => [f, str(b[`fria_${f}`]).trim()])),
  };
}

/** "text | YYYY-MM-DD" per line; the date is optional (the policy's default applies). */
export function conditionsFromForm(v: unknown) {
  return lines(v).map((l) => {
    const [text, due] = l.split('|').map((s) => s.trim());
    return due ? { text, due } : { text };
  });
}

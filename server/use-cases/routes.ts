// The registry pages: list (search, filters, sort, pagination, CSV), register and edit, the
// questionnaire and the assessments. Review pages are in review-routes.ts, packets in packet-routes.ts.
import { Router, type Request, type Response } from 'express';
import { activeUsers } from '../auth';
import { paths } from '../http/paths';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { noErrors, pageParams, pager, parseForm, type FormErrors } from '../http/forms';
import { NotFoundError } from '../errors';
import { toCsv } from '../erasure/csv';
import { STATUSES, useCaseInput, PERSONAL_DATA_USES, DPIA_FIELDS, FRIA_FIELDS } from './commands';
import { isoDay, type FieldErrors } from './service';
import { listQuery, SORTS, type SortKey, type UseCaseRow } from './queries';
import { answersFromForm, assessmentFromForm, fieldsFromForm, formValues } from './forms';
import { DPIA_LABEL, FRIA_LABEL, PERSONAL_DATA_USE_LABEL, SECTION_LABEL, STATUS_LABEL, TIER_LABEL } from './view-model';
import { services } from '../services';

const PAGE_SIZE = 25;
const listSchema = z.object({
  q: z.string().trim().max(200).default(''),
  tier: z.enum(['', 'prohibited', 'high', 'limited', 'minimal']).default(''),
  status: z.enum(['', ...STATUSES]).default(''),
  owner: z.union([z.literal(''), z.uuid()]).default(''),
  review: z.enum(['', 'overdue', '90d']).default(''),
  sort: z.enum(Object.keys(SORTS) as [SortKey, ...SortKey[]]).default('updated'),
  dir: z.enum(['asc', 'desc']).default('desc'),
});

export const errorsOf = (fields: FieldErrors): FormErrors => ({
  summary: Object.entries(fields).map(([field, message]) => ({ field, message })),
  fields,
});
export const UUID = z.uuid();

export function useCaseRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const cases = services(deps).useCases;
  const load = async (raw: string) => {
    if (!UUID.safeParse(raw).success) throw new NotFoundError('No such use case.');
    return cases.load(raw);
  };
  const users = () => activeUsers(deps.db);
  const choices = () => {
    const b = deps.policies.current();
    return {
      categories: b.taxonomy.categories.map((c) => c.key),
      datasets: b.datamap.systems.flatMap((s) => s.datasets.map((d) => `${s.name}.${d.name}`)),
      models: b.datamap.systems.flatMap((s) => s.models.map((m) => m.name)),
      personalDataUses: PERSONAL_DATA_USES.map((u) => ({ value: u, label: PERSONAL_DATA_USE_LABEL[u] })),
    };
  };

  const filtered = (req: Request) => {
    const parsed = listSchema.safeParse(req.query);
    return parsed.success ? parsed.data : listSchema.parse({});
  };

  r.get('/use-cases', can('read', 'use_case'), async (req, res) => {
    const f = filtered(req);
    const { page, offset } = pageParams(req.query, PAGE_SIZE);
    const filter = {
      q: f.q || undefined,
      tier: f.tier || undefined,
      status: f.status || undefined,
      owner: f.owner || undefined,
      review: f.review || undefined,
    };
    const [{ n }] = await listQuery(deps.db, filter).count<{ n: string }[]>({ n: '*' });
    const rows = await listQuery(deps.db, filter)
      .select('use_cases.*', 'users.display_name as owner_name')
      .orderBy([
        { column: SORTS[f.sort], order: f.dir, nulls: 'last' },
        { column: 'use_cases.id', order: 'asc' },
      ])
      .limit(PAGE_SIZE)
      .offset(offset);
    const base = { q: f.q, tier: f.tier, status: f.status, owner: f.owner, review: f.review, sort: f.sort, dir: f.dir };
    const qs = (extra: Record<string, string | number>) =>
      '?' +
      new URLSearchParams(
        Object.entries({ ...base, ...extra })
          .filter(([, v]) => v !== '')
          .map(([k, v]) => [k, String(v)] as [string, string]),
      );
    await res.page('use-cases/index', {
      title: 'AI use cases',
      rows: rows.map((u: UseCaseRow & { owner_name: string }) => ({
        id: u.id,
        title: u.title,
        owner: u.owner_name,
        status: STATUS_LABEL[u.status],
        tier: u.tier ? TIER_LABEL[u.tier] : null,
        nextReview: isoDay(u.next_review_at) ?? '—',
        updated: isoDay(u.updated_at),
      })),
      f,
      owners: await users(),
      statuses: STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] })),
      tiers: Object.entries(TIER_LABEL).map(([value, t]) => ({ value, label: t.label })),
      sortHref: (col: string) => qs({ sort: col, dir: f.sort === col && f.dir === 'asc' ? 'desc' : 'asc' }),
      csvHref: '/use-cases.csv' + qs({}),
      pager: pager(page, PAGE_SIZE, n, (p) => qs({ page: p })),
    });
  });

  r.get('/use-cases.csv', can('read', 'use_case'), async (req, res) => {
    const f = filtered(req);
    const rows = await listQuery(deps.db, {
      q: f.q || undefined,
      tier: f.tier || undefined,
      status: f.status || undefined,
      owner: f.owner || undefined,
      review: f.review || undefined,
    })
      .select('use_cases.*', 'users.display_name as owner_name')
      .orderBy(SORTS[f.sort], f.dir)
      .limit(10_000);
    const columns = [
      'id',
      'title',
      'owner',
      'status',
      'tier',
      'role',
      'transparency_duties',
      'rules_fired',
      'datasets',
      'models',
      'next_review',
      'version',
    ];
    const csv = toCsv(
      columns,
      rows.map((u: UseCaseRow & { owner_name: string }) => ({
        id: u.id,
        title: u.title,
        owner: u.owner_name,
        status: u.status,
        tier: u.tier,
        role: u.role,
        transparency_duties: (u.classification?.transparencyDuties ?? []).join(' '),
        rules_fired: (u.classification?.rulesFired ?? [])
          .filter((x) => !x.setAside)
          .map((x) => `${x.name} (${x.article})`)
          .join('; '),
        datasets: u.datasets.join(' '),
        models: [...u.datamap_models, ...u.models].join('; '),
        next_review: isoDay(u.next_review_at),
        version: u.version,
      })),
    );
    await deps.audit.append({
      actor: req.principal!.id,
      action: 'use_case.exported',
      target: 'use_case:*',
      details: { rows: rows.length },
    });
    res.type('text/csv').attachment('use-cases.csv').send(csv);
  });

  const formPage = async (
    res: Response,
    row: UseCaseRow | null,
    values: ReturnType<typeof formValues>,
    errors: FormErrors = noErrors,
    status = 200,
  ) => {
    await res.page(
      'use-cases/form',
      {
        title: `${errors.summary.length ? 'Error: ' : ''}${row ? `Edit ${row.title}` : 'Register an AI use case'}`,
        row,
        v: values,
        errors,
        users: await users(),
        choices: choices(),
      },
      status,
    );
  };

  r.get('/use-cases/new', can('create', 'use_case'), async (req, res) => {
    const me = req.principal!.kind === 'user' ? req.principal!.id.slice(5) : '';
    await formPage(res, null, { ...formValues(null), ownerId: me });
  });

  r.post('/use-cases', can('create', 'use_case'), async (req, res) => {
    const parsed = parseForm(useCaseInput, fieldsFromForm(req.body));
    if (!parsed.ok) return formPage(res, null, formValues(null, req.body), parsed.errors, 422);
    const out = await cases.create({ fields: parsed.data }, req.principal!);
    if (!out.ok) return formPage(res, null, formValues(null, req.body), errorsOf(out.errors), 422);
    res.flash('success', 'Registered. Answer the questionnaire to classify it under the EU AI Act.');
    res.redirect(303, paths.useCases.questionnaire(out.value.id));
  });

  r.get('/use-cases/:id/edit', can('create', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    await formPage(res, row, formValues(row));
  });

  r.post('/use-cases/:id/edit', can('create', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    const parsed = parseForm(useCaseInput, fieldsFromForm(req.body));
    if (!parsed.ok) return formPage(res, row, formValues(row, req.body), parsed.errors, 422);
    const out = await cases.update(row.id, { fields: parsed.data }, req.principal!);
    if (!out.ok) return formPage(res, row, formValues(row, req.body), errorsOf(out.errors), 422);
    res.flash(
      'success',
      out.value.version > row.version ? `Saved as version ${out.value.version}; the board reviews it again.` : 'Saved.',
    );
    res.redirect(303, paths.useCases.show(row.id));
  });

  r.get('/use-cases/:id/questionnaire', can('create', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    const policy = cases.policy();
    const sections = Object.entries(SECTION_LABEL).map(([key, label]) => ({
      key,
      label,
      questions: policy.questions.filter((q) => q.section === key),
    }));
    await res.page('use-cases/questionnaire', {
      title: `Questionnaire: ${row.title}`,
      row,
      sections,
      answers: row.answers,
    });
  });

  r.post('/use-cases/:id/questionnaire', can('create', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    const out = await cases.update(
      row.id,
      { answers: answersFromForm(cases.policy().questions, req.body) },
      req.principal!,
    );
    if (out.ok) res.flash('success', `Classified: ${TIER_LABEL[out.value.tier ?? 'minimal'].label}.`);
    res.redirect(303, paths.useCases.show(row.id));
  });

  r.get('/use-cases/:id/assessment', can('create', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    await res.page('use-cases/assessment', {
      title: `Assessments: ${row.title}`,
      row,
      requires: row.classification?.requires ?? [],
      dpia: DPIA_FIELDS.map((f) => ({ id: `dpia_${f}`, label: DPIA_LABEL[f], value: row.assessment.dpia?.[f] ?? '' })),
      fria: FRIA_FIELDS.map((f) => ({ id: `fria_${f}`, label: FRIA_LABEL[f], value: row.assessment.fria?.[f] ?? '' })),
    });
  });

  r.post('/use-cases/:id/assessment', can('create', 'use_case'), async (req, res) => {
    const row = await load(String(req.params.id));
    const out = await cases.update(row.id, { assessment: assessmentFromForm(req.body) }, req.principal!);
    if (out.ok)
      res.flash(
        'success',
        out.value.version > row.version
          ? `Saved as version ${out.value.version}; the votes start again.`
          : 'Assessments saved.',
      );
    res.redirect(303, paths.useCases.show(row.id));
  });

  return router;
}

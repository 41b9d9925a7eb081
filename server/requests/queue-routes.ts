// The officer queue (/requests): search, filters, sort and pages (./queue.ts), and the bulk
// assignment form (./assignment.ts). Routes speak HTTP only.
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { noErrors, pageParams, pager, toFormErrors, formError, type FormErrors } from '../http/forms';
import { paths } from '../http/paths';
import { services } from '../services';
import { BadCursorError, queueContext, queueFilterSchema, queuePage, type QueueFilter, type QueueStart } from './queue';
import { bulkAssignSchema } from './assignment';
import { summary } from './view-model';
import { STATUS_FILTER_OPTIONS } from './status';

const FIELDS = ['q', 'status', 'type', 'regulation', 'assignee', 'urgency', 'sort', 'dir'] as const;

const options = {
  status: [...STATUS_FILTER_OPTIONS, { value: 'all', label: 'All' }],
  type: [
    { value: '', label: 'Any' },
    { value: 'erasure', label: 'Erasure' },
    { value: 'access', label: 'Access' },
  ],
  regulation: [
    { value: '', label: 'Any' },
    { value: 'gdpr', label: 'GDPR' },
    { value: 'ccpa', label: 'CCPA' },
    { value: 'lgpd', label: 'LGPD' },
  ],
  urgency: [
    { value: '', label: 'Any' },
    { value: 'at_risk', label: 'At risk' },
    { value: 'overdue', label: 'Overdue' },
  ],
};

export function queueRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);
  const assignments = services(deps).assignments;

  const valuesOf = (query: Record<string, unknown>) =>
    Object.fromEntries(FIELDS.map((k) => [k, typeof query[k] === 'string' ? String(query[k]) : ''])) as Record<
      (typeof FIELDS)[number],
      string
    >;
  const qs = (values: Record<string, string>, extra: Record<string, string | number> = {}) =>
    '?' +
    new URLSearchParams({
      ...Object.fromEntries(Object.entries(values).filter(([, v]) => v)),
      ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
    }).toString();

  const listPage = async (
    req: Request,
    res: Response,
    bulk: { errors: FormErrors; ids: string[]; assignee: string } = { errors: noErrors, ids: [], assignee: '' },
    status = 200,
  ) => {
    const values = valuesOf(req.query as Record<string, unknown>);
    const parsed = queueFilterSchema.safeParse(values);
    const filter: QueueFilter = parsed.success ? parsed.data : queueFilterSchema.parse({});
    const errors = parsed.success ? noErrors : toFormErrors(parsed.error);
    const { page, pageSize, offset } = pageParams(req.query, 25);
    const ctx = queueContext(deps, req.principal!);
    // Next/previous links carry the cursor of the row they continue from (keyset), so a page deep
    // in the list costs what the first one does; a page number alone (typed in, or a cursor this
    // list did not make) falls back to an offset.
    const cursor = (k: string) => (typeof req.query[k] === 'string' && req.query[k] ? String(req.query[k]) : undefined);
    const after = cursor('after');
    const before = cursor('before');
    const start: QueueStart = after ? { after } : before && page > 1 ? { before } : { offset };
    const { rows, total, more, hasNext, first, last } = await queuePage(deps.db, filter, ctx, pageSize, start).catch(
      (e) => {
        if (e instanceof BadCursorError) return queuePage(deps.db, filter, ctx, pageSize, { offset });
        throw e;
      },
    );
    const people = await assignments.assignable();
    const nameOf = new Map(people.map((u) => [u.id, u.display_name]));
    const shown = { ...values, status: values.status || filter.status, sort: filter.sort, dir: filter.dir };
    await res.page(
      'requests/index',
      {
        title: 'Requests',
        requests: rows.map((row) => ({
          ...summary(row, ctx.now, ctx.atRiskDays),
          assignee: row.assignee_id ? (nameOf.get(row.assignee_id) ?? 'a former officer') : null,
          mine: row.assignee_id !== null && row.assignee_id === ctx.me,
        })),
        values: shown,
        errors,
        bulk,
        options: {
          ...options,
          assignee: [
            { value: '', label: 'Anyone' },
            { value: 'mine', label: 'Assigned to me' },
            { value: 'none', label: 'Unassigned' },
            ...people.map((u) => ({ value: u.id, label: u.display_name })),
          ],
          assignTo: [
            { value: '', label: 'Choose an officer' },
            { value: 'none', label: 'Nobody (unassign)' },
            ...people.map((u) => ({ value: u.id, label: u.display_name })),
          ],
        },
        sortHref: (col: string) =>
          qs(shown, { sort: col, dir: filter.sort === col && filter.dir === 'asc' ? 'desc' : 'asc', page: 1 }),
        // The bulk form posts with the list's query, so a refusal re-renders the same list.
        bulkAction: paths.requests.bulkAssign() + searchOf(req),
        pager: pager(
          page,
          pageSize,
          total,
          (p) =>
            qs(shown, {
              // Page 1 needs no cursor; the cursor goes before the page number (the page's own links).
              ...(p === page + 1 && last ? { after: last } : p === page - 1 && p > 1 && first ? { before: first } : {}),
              page: p,
            }),
          { more, hasNext },
        ),
      },
      errors === noErrors ? status : 422,
    );
  };

  r.get('/requests', can('read', 'request'), async (req, res) => {
    await listPage(req, res);
  });

  // The bulk form posts back to the list it was on (the filters ride in the query string).
  r.post('/requests/assign', can('assign', 'request'), async (req, res) => {
    const ids = ([] as unknown[]).concat(req.body?.ids ?? []).map(String);
    const assignee = String(req.body?.assignee ?? '');
    const form = bulkAssignSchema.safeParse({ ids, assignee: assignee || undefined });
    if (!form.success || !assignee) {
      const errors = !assignee
        ? formError('bulk-assignee', 'Choose who handles the ticked requests, or Nobody')
        : renameFields(toFormErrors(form.error!));
      return listPage(req, res, { errors, ids, assignee }, 422);
    }
    const outcome = await assignments.assign(form.data.ids, form.data.assignee, req.principal!);
    if (outcome.kind === 'invalid')
      return listPage(
        req,
        res,
        { errors: renameFields(formError(outcome.field, outcome.message)), ids, assignee },
        422,
      );
    res.flash(
      'success',
      `${outcome.changed} request(s) ${form.data.assignee ? 'assigned' : 'unassigned'}` +
        (outcome.unchanged ? `; ${outcome.unchanged} already were.` : '.'),
    );
    res.redirect(303, paths.requests.index() + searchOf(req));
  });

  return router;
}

const searchOf = (req: Request) => {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at);
};

// The bulk form's fields carry ids of their own (the filter form has an "assignee" too).
function renameFields(e: FormErrors): FormErrors {
  const rename = (f: string) => (f === 'assignee' ? 'bulk-assignee' : f.startsWith('ids') ? 'bulk-ids' : f);
  return {
    summary: e.summary.map((s) => ({ ...s, field: rename(s.field) })),
    fields: Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [rename(k), v])),
  };
}

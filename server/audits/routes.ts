// The findings board: filter by severity, status, kind and owner, sort, page with a cursor,
// export CSV; a finding's page with its evidence, history and the moves its status allows.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { noErrors, pager, toFormErrors, type FormErrors } from '../http/forms';
import { listDeliveries } from '../notify/alerts';
import { NotFoundError } from '../errors';
import { entriesForTarget } from '../audit-log';
import { listUsers } from '../auth';
import { AUDIT_KIND_INFO, AUDIT_KINDS } from '../policies/audit-kinds';
import {
  BadCursorError,
  allFindings,
  findingFilterSchema,
  listFindings,
  listRuns,
  runById,
  runFilterSchema,
  type FindingFilter,
} from './queries';
import { findingById, type FindingRow } from './findings';
import { actionsFor, changeFinding, findingChangeSchema } from './commands';
import { CSV_HEADER, csvLine, findingCsvLine, isoDay } from './csv';
import { kindTitle } from './view-model';
import { FINDING_STATUSES, SEVERITIES } from './types';
import { paths } from '../http/paths';

const label = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ');
const options = {
  severity: [{ value: '', label: 'Any severity' }, ...SEVERITIES.map((s) => ({ value: s, label: label(s) }))],
  status: [
    { value: 'active', label: 'Open or acknowledged' },
    ...FINDING_STATUSES.map((s) => ({ value: s, label: label(s) })),
    { value: 'all', label: 'All' },
  ],
  kind: [{ value: '', label: 'Any audit' }, ...AUDIT_KINDS.map((k) => ({ value: k, label: AUDIT_KIND_INFO[k].title }))],
  sort: [
    { value: 'severity', label: 'Most severe first' },
    { value: 'last_seen', label: 'Most recently seen first' },
    { value: 'first_seen', label: 'Newest first' },
  ],
};

// Owners are named by display name only: the board never shows an email address.
async function ownerOptions(deps: Deps) {
  return (await listUsers(deps.db)).map((u) => ({ value: u.id, label: u.display_name }));
}

export function auditsRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);

  const queryOf = (req: Request) => {
    const q = req.query as Record<string, unknown>;
    const values = Object.fromEntries(
      ['severity', 'status', 'kind', 'owner', 'sort'].map((k) => [k, typeof q[k] === 'string' ? String(q[k]) : '']),
    ) as Record<string, string>;
    if (q.owner === 'me') values.owner = (req.principal!.person ?? req.principal!.id).replace(/^user:/, '');
    const parsed = findingFilterSchema.safeParse({ ...values, cursor: q.cursor, limit: 25 });
    return { values, parsed };
  };
  const qs = (values: Record<string, string>, extra: Record<string, string> = {}) =>
    '?' +
    new URLSearchParams({ ...Object.fromEntries(Object.entries(values).filter(([, v]) => v)), ...extra }).toString();

  r.get('/findings', can('read', 'finding'), async (req, res) => {
    const { values, parsed } = queryOf(req);
    const filter: FindingFilter = parsed.success ? parsed.data : findingFilterSchema.parse({});
    let errors: FormErrors = parsed.success ? noErrors : toFormErrors(parsed.error);
    let page: Awaited<ReturnType<typeof listFindings>>;
    try {
      page = await listFindings(deps.db, filter);
    } catch (err) {
      if (!(err instanceof BadCursorError)) throw err;
      errors = {
        summary: [{ field: 'cursor', message: 'That page link is no longer valid: showing the first page.' }],
        fields: {},
      } as FormErrors;
      page = await listFindings(deps.db, { ...filter, cursor: undefined });
    }
    const runs = await listRuns(deps.db, runFilterSchema.parse({ limit: 10 }));
    const owners = await ownerOptions(deps);
    const ownerName = Object.fromEntries(owners.map((o) => [o.value, o.label]));
    await res.page(
      'audits/findings',
      {
        title: 'Findings',
        rows: page.rows.map((f) => ({
          ...f,
          kindTitle: kindTitle(f.kind),
          ownerName: f.owner ? (ownerName[f.owner] ?? 'unknown user') : '',
        })),
        total: page.total,
        nextHref: page.next ? qs(values, { cursor: page.next }) : null,
        firstHref: req.query.cursor ? qs(values) : null,
        csvHref: `/findings.csv${qs(values)}`,
        values: { ...values, status: values.status || 'active', sort: values.sort || 'severity' },
        errors,
        options: { ...options, owner: [{ value: '', label: 'Anyone' }, { value: 'none', label: 'Nobody' }, ...owners] },
        runs: runs.rows.map((x) => ({ ...x, kindTitle: kindTitle(x.kind) })),
      },
      errors === noErrors ? 200 : errors.summary.some((e) => e.field === 'cursor') ? 200 : 422,
    );
  });

  r.get('/findings.csv', can('read', 'finding'), async (req, res) => {
    const { values, parsed } = queryOf(req);
    if (!parsed.success) return res.redirect(303, `/findings${qs(values)}`);
    const { cursor: _c, limit: _l, ...filter } = parsed.data;
    await deps.audit.append({
      actor: req.principal!.id,
      action: 'finding.export',
      details: { filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) },
    });
    res.type('text/csv; charset=utf-8').attachment(`findings-${new Date().toISOString().slice(0, 10)}.csv`);
    res.write(csvLine(CSV_HEADER));
    for await (const f of allFindings(deps.db, filter)) res.write(findingCsvLine(f));
    res.end();
  });

  const showPage = async (
    res: Response,
    f: FindingRow,
    form: { values: Record<string, string>; errors: FormErrors; action?: string },
    status = 200,
  ) => {
    const history = await entriesForTarget(deps.db, `finding:${f.id}`);
    await res.page(
      'audits/finding',
      {
        title: `Finding: ${f.title}`,
        f: { ...f, kindTitle: kindTitle(f.kind), acceptedUntil: f.accepted_until ? isoDay(f.accepted_until) : null },
        actions: actionsFor(f.status),
        history,
        form,
        ownerOptions: [{ value: '', label: 'Nobody' }, ...(await ownerOptions(deps))],
      },
      status,
    );
  };

  const load = async (raw: unknown) => {
    const row = z.uuid().safeParse(raw).success ? await findingById(deps.db, String(raw)) : undefined;
    if (!row) throw new NotFoundError('No such finding.');
    return row;
  };

  r.get('/findings/:id', can('read', 'finding'), async (req, res) => {
    await showPage(res, await load(req.params.id), { values: {}, errors: noErrors });
  });

  r.post('/findings/:id', can('update', 'finding'), async (req, res) => {
    const f = await load(req.params.id);
    const body = (req.body ?? {}) as Record<string, string>;
    const values = {
      action: String(body.action ?? ''),
      justification: String(body.justification ?? ''),
      until: String(body.until ?? ''),
      owner: String(body.owner ?? ''),
      note: String(body.note ?? ''),
    };
    const input =
      values.action === 'accept_risk'
        ? { action: values.action, justification: values.justification, until: values.until }
        : values.action === 'assign'
          ? { action: values.action, owner: values.owner }
          : { action: values.action, note: values.note || undefined };
    const parsed = findingChangeSchema.safeParse(input);
    if (!parsed.success)
      return showPage(res, f, { values, errors: toFormErrors(parsed.error), action: values.action }, 422);
    await changeFinding(deps, f.id, parsed.data, req.principal!.id);
    res.flash('success', 'The finding was updated.');
    res.redirect(303, paths.findings.show(f.id));
  });

  r.get('/audit-runs/:id', can('read', 'audit'), async (req, res) => {
    const run = z.uuid().safeParse(req.params.id).success ? await runById(deps.db, String(req.params.id)) : undefined;
    if (!run) throw new NotFoundError('No such audit run.');
    await res.page('audits/run', {
      title: `${kindTitle(run.kind)} run`,
      run: { ...run, kindTitle: kindTitle(run.kind) },
      summary: JSON.stringify(run.summary, null, 2),
    });
  });

  // The alert delivery log (policies/alerts.yaml): what was sent where, attempts, last answer.
  r.get('/alerts', can('read', 'finding'), async (req, res) => {
    const page = Math.max(1, Math.min(10_000, Number.parseInt(String(req.query.page ?? '1'), 10) || 1));
    const { rows, total } = await listDeliveries(deps.db, page, 50);
    await res.page('audits/alerts', {
      title: 'Alert deliveries',
      deliveries: rows,
      channels: deps.policies.current().alerts.channels.map((c) => ({ id: c.id, type: c.type })),
      pager: pager(page, 50, total, (p) => `/alerts?page=${p}`),
    });
  });

  return router;
}

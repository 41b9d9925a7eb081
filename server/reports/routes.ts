// The reports area: the list (filter by kind and period, sorted, paginated), ordering a report,
// a report's page and its download (audited); and the public side: /verify (upload a PDF, no
// sign-in) and /.well-known/lethe-report-key.
import { Router, type Request } from 'express';
import { paths } from '../http/paths';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { formError, noErrors, pageParams, pager, toFormErrors, type FormErrors } from '../http/forms';
import { addressOf, countAnonymous, RateLimitedError } from '../http/rate-limit';
import { KIND_TITLES } from './render-pdf';
import { listReports, orderReport, orderSchema, REPORT_KINDS, verifyReportFile, type ReportFilter } from './service';
import { loadReport, sendReportPdf } from './api';
import { keyDocument } from './signing-keys';

/** Verification attempts per address per minute on the public /verify page. */
export const VERIFY_PER_MINUTE = 10;

const filterSchema = z.object({
  kind: z
    .enum(REPORT_KINDS)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  from: z.iso
    .date('Enter a date like 2026-03-31')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  to: z.iso
    .date('Enter a date like 2026-03-31')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  sort: z.enum(['asc', 'desc']).default('desc'),
});

const kindOptions = REPORT_KINDS.map((k) => ({ value: k, label: KIND_TITLES[k] }));

function lastQuarter(now = new Date()) {
  const q = Math.floor(now.getUTCMonth() / 3);
  const start = new Date(Date.UTC(now.getUTCFullYear(), (q - 1) * 3, 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), q * 3, 0));
  return { from: start.toISOString().slice(0, 10), to: end.toISOString().slice(0, 10) };
}

export function reportsRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);

  const listPage = async (
    req: Request,
    res: Parameters<Parameters<typeof r.get>[2]>[1],
    order: { values: Record<string, string>; errors: FormErrors },
    status = 200,
  ) => {
    const parsed = filterSchema.safeParse(req.query);
    const values = {
      kind: String(req.query.kind ?? ''),
      from: String(req.query.from ?? ''),
      to: String(req.query.to ?? ''),
    };
    const filter: ReportFilter = parsed.success
      ? { kind: parsed.data.kind, from: parsed.data.from, to: parsed.data.to }
      : {};
    const sort = parsed.success ? parsed.data.sort : 'desc';
    const { page, pageSize, offset } = pageParams(req.query, 25);
    const { total, rows } = await listReports(deps, filter, sort, pageSize, offset);
    const qs = (extra: Record<string, string | number>) =>
      '?' +
      new URLSearchParams({
        ...Object.fromEntries(Object.entries(values).filter(([, v]) => v)),
        sort,
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
      }).toString();
    await res.page(
      'reports/index',
      {
        title: 'Reports',
        rows,
        values,
        filterErrors: parsed.success ? noErrors : toFormErrors(parsed.error),
        sort,
        sortHref: qs({ sort: sort === 'desc' ? 'asc' : 'desc', page: 1 }),
        kindOptions,
        kindTitles: KIND_TITLES,
        order,
        pager: pager(page, pageSize, total, (p) => qs({ page: p })),
      },
      status,
    );
  };

  r.get('/reports', can('read', 'report'), async (req, res) => {
    await listPage(req, res, { values: { kind: 'quarterly', ...lastQuarter(), run: '' }, errors: noErrors });
  });

  r.post('/reports', can('create', 'report'), async (req, res) => {
    const body = req.body ?? {};
    const values = {
      kind: String(body.kind ?? ''),
      from: String(body.from ?? ''),
      to: String(body.to ?? ''),
      run: String(body.run ?? ''),
    };
    const parsed = orderSchema.safeParse(
      values.kind === 'audit_run'
        ? { kind: values.kind, run: values.run }
        : { kind: values.kind, from: values.from, to: values.to },
    );
    if (!parsed.success) {
      const errors =
        values.kind && !REPORT_KINDS.includes(values.kind as never)
          ? formError('kind', 'Choose a kind of report')
          : toFormErrors(parsed.error);
      return listPage(req, res, { values, errors }, 422);
    }
    const row = await orderReport(deps, parsed.data, req.principal!);
    res.flash('success', `${KIND_TITLES[row.kind]} ordered: it is being generated.`);
    res.redirect(303, paths.reports.show(row.id));
  });

  r.get('/reports/:id', can('read', 'report'), async (req, res) => {
    const row = await loadReport(deps, String(req.params.id));
    if (row.status === 'queued' || row.status === 'running') res.set('Refresh', '3');
    await res.page('reports/show', {
      title: `${KIND_TITLES[row.kind]} ${row.id.slice(0, 8)}`,
      row,
      kindTitles: KIND_TITLES,
    });
  });

  r.get('/reports/:id/pdf', can('download', 'report'), async (req, res) => {
    await sendReportPdf(deps, res, await loadReport(deps, String(req.params.id)), req.principal!.id);
  });

  r.get('/.well-known/lethe-report-key', 'public', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(await keyDocument(deps.db, deps.config.reportSigningKey));
  });

  r.get('/verify', 'public', async (_req, res) => {
    await res.page('reports/verify', {
      title: 'Verify a Lethe report',
      result: null,
      errors: noErrors,
      limit: megabytes(deps.config.verifyUploadLimitBytes),
    });
  });

  r.post('/verify', 'public', async (req, res) => {
    // Signed-in people are not counted by the general anonymous limit: count everyone here.
    if (!(await countAnonymous(deps.db, `verify:${addressOf(req)}`, VERIFY_PER_MINUTE))) throw new RateLimitedError();
    const limit = megabytes(deps.config.verifyUploadLimitBytes);
    const file = ((req.files as Express.Multer.File[] | undefined) ?? []).find((f) => f.fieldname === 'file');
    const problem =
      req.uploadRejected ??
      (!file ? 'Choose the PDF file to check' : file.buffer.length === 0 ? 'The file is empty' : null);
    if (problem)
      return res.page(
        'reports/verify',
        { title: 'Verify a Lethe report', result: null, errors: formError('file', problem), limit },
        422,
      );
    const { verdict, checkpoint } = await verifyReportFile(deps, file!.buffer);
    // Says what the report is, never who ordered or downloaded it.
    const result =
      verdict.status === 'authentic'
        ? {
            status: 'authentic',
            id: verdict.manifest.id,
            kind: KIND_TITLES[verdict.manifest.kind as keyof typeof KIND_TITLES] ?? verdict.manifest.kind,
            generatedAt: verdict.manifest.generatedAt,
            period: verdict.manifest.period,
            fingerprint: verdict.manifest.keyFingerprint,
            retired: verdict.key.retiredAt,
            checkpoint,
          }
        : { status: verdict.status, reason: verdict.reason };
    await res.page('reports/verify', { title: 'Verify a Lethe report', result, errors: noErrors, limit });
  });

  return router;
}

const megabytes = (bytes: number) => `${Number((bytes / 1024 / 1024).toPrecision(3))} MB`;

// The consent ledger pages: what was agreed to and objected to, per purpose; one event entered by
// hand; a CSV import. Identifiers typed or uploaded here are hashed at once and never shown again.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { formError, noErrors, pageParams, pager, type FormErrors } from '../http/forms';
import { LAWFUL_BASES } from '../policies/schemas/training';
import { CONSENT_EVENTS, recordConsentEvents, subjectKey, validateConsentEvents } from './consent';
import { CONSENT_CSV_COLUMNS, parseConsentCsv } from './consent-csv';

const PAGE_SIZE = 50;
const SORTS = { occurred: 'occurred_at', recorded: 'recorded_at', purpose: 'purpose', event: 'event' } as const;
const listSchema = z.object({
  sort: z.enum(['occurred', 'recorded', 'purpose', 'event']).default('recorded'),
  dir: z.enum(['asc', 'desc']).default('desc'),
});
const FIELDS = ['identity_kind', 'identity_value', 'purpose', 'lawful_basis', 'event', 'occurred_at'] as const;
type Values = Record<(typeof FIELDS)[number], string>;
const blank: Values = {
  identity_kind: 'email',
  identity_value: '',
  purpose: '',
  lawful_basis: '',
  event: 'withdrawn',
  occurred_at: '',
};

export function consentRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);

  type Lookup = { kind: string; events: Record<string, unknown>[]; doNotTrain: string[] } | null;
  const page = async (
    req: Request,
    res: Response,
    values: Values = blank,
    errors: FormErrors = noErrors,
    importErrors: FormErrors = noErrors,
    status = 200,
    lookup: Lookup = null,
  ) => {
    const parsed = listSchema.safeParse(req.query);
    const f = parsed.success ? parsed.data : listSchema.parse({});
    const { page: p, offset } = pageParams(req.query, PAGE_SIZE);
    const [{ n }] = await deps.db('consent_events').count<{ n: string }[]>({ n: '*' });
    const rows = await deps
      .db('consent_events')
      .orderBy([
        { column: SORTS[f.sort], order: f.dir },
        { column: 'id', order: 'desc' },
      ])
      .limit(PAGE_SIZE)
      .offset(offset)
      .select('subject_index', 'purpose', 'lawful_basis', 'event', 'occurred_at', 'source', 'recorded_at');
    const totals = await deps
      .db('consent_events')
      .groupBy('purpose', 'event')
      .select('purpose', 'event')
      .count<{ purpose: string; event: string; n: string }[]>({ n: '*' });
    const list = await deps
      .db('do_not_train')
      .groupBy('reason')
      .select('reason')
      .count<{ reason: string; n: string }[]>({ n: '*' });
    const [{ subjects }] = await deps
      .db('do_not_train')
      .countDistinct<{ subjects: string }[]>({ subjects: 'subject_index' });
    const purposes = deps.policies.current().training.purposes;
    const qs = (extra: Record<string, string | number>) =>
      '?' +
      new URLSearchParams({
        sort: f.sort,
        dir: f.dir,
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
      });
    await res.page(
      'training/consent',
      {
        title: errors.summary.length || importErrors.summary.length ? 'Error: consent ledger' : 'Consent ledger',
        purposes: purposes.map((pp) => ({
          ...pp,
          given: Number(totals.find((t) => t.purpose === pp.name && t.event === 'given')?.n ?? 0),
          withdrawn: Number(totals.find((t) => t.purpose === pp.name && t.event === 'withdrawn')?.n ?? 0),
          objected: Number(totals.find((t) => t.purpose === pp.name && t.event === 'objected')?.n ?? 0),
        })),
        doNotTrain: {
          subjects: Number(subjects),
          byReason: Object.fromEntries(list.map((l) => [l.reason, Number(l.n)])),
        },
        events: rows.map((e) => ({
          ...e,
          subject: e.subject_index.slice(0, 12),
          occurred: e.occurred_at.toISOString().slice(0, 16).replace('T', ' '),
          recorded: e.recorded_at.toISOString().slice(0, 16).replace('T', ' '),
        })),
        sort: f.sort,
        dir: f.dir,
        sortHref: (col: string) => qs({ sort: col, dir: f.sort === col && f.dir === 'asc' ? 'desc' : 'asc', page: 1 }),
        pager: pager(p, PAGE_SIZE, n, (x) => qs({ page: x })),
        values,
        errors,
        importErrors,
        purposeOptions: [
          { value: '', label: 'Choose a purpose' },
          ...purposes.map((pp) => ({ value: pp.name, label: `${pp.name} (${pp.lawfulBasis})` })),
        ],
        basisOptions: [
          { value: '', label: "The purpose's basis" },
          ...LAWFUL_BASES.map((b) => ({ value: b, label: b })),
        ],
        eventOptions: CONSENT_EVENTS.map((e) => ({ value: e, label: e })),
        csvColumns: CONSENT_CSV_COLUMNS,
        lookup: lookup && {
          ...lookup,
          events: lookup.events.map((e) => ({
            ...e,
            occurred: (e.occurred_at as Date).toISOString().slice(0, 16).replace('T', ' '),
          })),
        },
      },
      status,
    );
  };

  r.get('/consent', can('read', 'consent'), (req, res) => page(req, res));

  // One subject's history, looked up by identifier. A POST, so the identifier never sits in a URL or an access log.
  r.post('/consent/lookup', can('read', 'consent'), async (req, res) => {
    const kind = typeof req.body?.lookup_kind === 'string' ? req.body.lookup_kind.trim() : '';
    const value = typeof req.body?.lookup_value === 'string' ? req.body.lookup_value.trim() : '';
    if (!/^[a-z][a-z0-9_]*$/.test(kind) || !value)
      return page(
        req,
        res,
        blank,
        formError('lookup_value', 'Give the kind of identifier and the identifier to look up.'),
        noErrors,
        422,
      );
    const indexes = deps.crypto.blindIndexes(subjectKey(kind, value));
    const events = await deps
      .db('consent_events')
      .whereIn('subject_index', indexes)
      .orderBy('occurred_at', 'desc')
      .select('purpose', 'lawful_basis', 'event', 'occurred_at', 'source');
    const doNotTrain = await deps.db('do_not_train').whereIn('subject_index', indexes).pluck('reason');
    await page(req, res, blank, noErrors, noErrors, 200, { kind, events, doNotTrain });
  });

  r.post('/consent', can('record', 'consent'), async (req, res) => {
    const values = Object.fromEntries(
      FIELDS.map((k) => [k, typeof req.body?.[k] === 'string' ? req.body[k] : '']),
    ) as Values;
    const raw = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
    const v = validateConsentEvents(deps.policies.current(), [raw]);
    if (!v.ok) {
      const fields: Record<string, string> = {};
      for (const e of v.errors) fields[e.field] ??= e.message;
      // The identifier is personal data: a re-rendered form keeps everything else.
      return page(
        req,
        res,
        { ...values, identity_value: '' },
        { summary: Object.entries(fields).map(([field, message]) => ({ field, message })), fields },
        noErrors,
        422,
      );
    }
    const out = await recordConsentEvents(deps, v.events, req.principal!.id, 'ui');
    res.flash(
      'success',
      out.recorded
        ? `Recorded.${out.doNotTrainAdded ? ' The subject is now on the do-not-train list.' : ''}`
        : 'That event was already in the ledger.',
    );
    res.redirect(303, '/consent');
  });

  r.post('/consent/import', can('import', 'consent'), async (req, res) => {
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    const file = files.find((x) => x.fieldname === 'file' && x.originalname);
    const text = file ? file.buffer.toString('utf8') : typeof req.body?.csv === 'string' ? req.body.csv : '';
    const fail = (message: string) => page(req, res, blank, noErrors, formError('file', message), 422);
    if (req.uploadRejected) return fail(req.uploadRejected);
    if (!text.trim()) return fail('Choose a CSV file (or paste its contents).');
    const parsed = parseConsentCsv(text);
    if (!parsed.ok) return fail(parsed.message);
    const v = validateConsentEvents(deps.policies.current(), parsed.rows);
    if (!v.ok) {
      const shown = v.errors.slice(0, 10).map((e) => `line ${e.row + 1}, ${e.field}: ${e.message}`);
      return fail(`Nothing was imported: ${v.errors.length} problem(s). ${shown.join(' ')}`);
    }
    const source = file ? `csv:${file.originalname.replace(/[^\w.-]/g, '_').slice(0, 80)}` : 'csv:pasted';
    const out = await recordConsentEvents(deps, v.events, req.principal!.id, source);
    res.flash(
      'success',
      `Imported ${out.recorded} event(s); ${out.duplicates} already in the ledger; ${out.doNotTrainAdded} subject identifier(s) added to the do-not-train list.`,
    );
    res.redirect(303, '/consent');
  });

  return router;
}

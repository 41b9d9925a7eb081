import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { can, declare, type RouteSpec } from '../http/guard';
import { pageParams, toFormErrors, noErrors, pager } from '../http/forms';
import { auditLogPage, distinctActions, filtered, type AuditFilter, type PageStart } from './queries';
import { cappedCount } from '../db/capped-count';
import { actorNames, actorsNamed } from '../http/actors';
import { actionWords } from './action-words';
import type { Knex } from 'knex';
import { BadRequestError } from '../errors';

const filterSchema = z.object({
  actor: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
  action: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
  from: z.iso
    .date('Enter a date like 2026-11-28')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  to: z.iso
    .date('Enter a date like 2026-11-28')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  sort: z.enum(['asc', 'desc']).default('desc'),
});

async function readFilter(db: Knex, req: Request) {
  const parsed = filterSchema.safeParse(req.query);
  const values = {
    actor: String(req.query.actor ?? ''),
    action: String(req.query.action ?? ''),
    from: String(req.query.from ?? ''),
    to: String(req.query.to ?? ''),
  };
  if (!parsed.success)
    return { filter: {} as AuditFilter, sort: 'desc' as const, values, errors: toFormErrors(parsed.error) };
  const f = parsed.data;
  const filter: AuditFilter = {
    // A name or an email as well as an id: people know their colleagues by name, not by uuid.
    actors: f.actor ? await actorsNamed(db, f.actor) : undefined,
    action: f.action,
    from: f.from ? new Date(`${f.from}T00:00:00Z`) : undefined,
    // "to" is inclusive for people: everything up to the end of that day.
    to: f.to ? new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000) : undefined,
  };
  return { filter, sort: f.sort, values, errors: noErrors };
}

const csvCell = (v: unknown) => {
  const s = typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : JSON.stringify(v);
  // Cells starting with = + - @ are prefixed so spreadsheets never run them as formulas.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** True when the response can take more; false when the client went away first. */
const drained = (res: Response) =>
  new Promise<boolean>((resolve) => {
    const done = (more: boolean) => () => {
      res.off('drain', ok);
      res.off('close', gone);
      resolve(more);
    };
    const ok = done(true);
    const gone = done(false);
    res.once('drain', ok);
    res.once('close', gone);
  });

/** A keyset cursor: a positive integer seq, else none (a malformed one is ignored like a bad page number). */
function seqParam(v: unknown): number | undefined {
  return typeof v === 'string' && /^[1-9][0-9]{0,17}$/.test(v) ? Number(v) : undefined;
}

export function auditLogRoutes(deps: Deps, registry: RouteSpec[]): Router {
  const router = Router();
  const r = declare(router, registry, deps);

  r.get('/audit-log', can('read', 'audit_log'), async (req, res) => {
    const { filter, sort, values, errors } = await readFilter(deps.db, req);
    const { page, pageSize, offset } = pageParams(req.query);
    const head = await deps.audit.head();
    // Unfiltered, the count is the head's seq (the chain numbers entries 1, 2, 3… without gaps),
    // so the first page of millions of entries does not count them all.
    const unfiltered = !filter.actors && !filter.action && !filter.from && !filter.to;
    // Filtered, it counts up to a cap ("more than 10,000"): an exact count of a filter matching a
    // million entries would read them all on every view.
    const { total, more } = unfiltered
      ? { total: Number(head?.seq ?? 0), more: false }
      : await cappedCount(deps.db, filtered(deps.db, filter));
    // Next/previous links carry the seq they continue from (keyset), so a page a million entries
    // back costs what the first one does; a page number alone (typed in) falls back to an offset.
    const after = seqParam(req.query.after);
    const before = seqParam(req.query.before);
    const start: PageStart = after !== undefined ? { after } : before !== undefined ? { before } : { offset };
    // One entry more than the page shows says whether a next page exists (a capped count cannot).
    const fetched = await auditLogPage(deps.db, filter, sort, pageSize + 1, start);
    const entries = 'before' in start ? fetched.slice(-pageSize) : fetched.slice(0, pageSize);
    const hasNext = 'before' in start ? entries.length > 0 : fetched.length > pageSize;
    const first = entries[0];
    const last = entries[entries.length - 1];
    const names = await actorNames(
      deps.db,
      entries.map((e) => e.actor),
    );
    const qs = (extra: Record<string, string | number>) =>
      '?' +
      new URLSearchParams({
        ...Object.fromEntries(Object.entries(values).filter(([, v]) => v)),
        sort,
        ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
      }).toString();
    await res.page('audit-log/index', {
      title: 'Audit log',
      entries,
      names,
      values,
      errors,
      sort,
      head,
      actions: await distinctActions(deps.db),
      actionWords,
      sortHref: qs({ sort: sort === 'desc' ? 'asc' : 'desc', page: 1 }),
      csvHref: '/audit-log.csv' + qs({}),
      pager: pager(
        page,
        pageSize,
        total,
        (p) =>
          qs({
            page: p,
            ...(p === page + 1 && last ? { after: last.seq } : p === page - 1 && first ? { before: first.seq } : {}),
          }),
        { more, hasNext },
      ),
    });
  });

  r.get('/audit-log.csv', can('export', 'audit_log'), async (req, res) => {
    const { filter, sort, errors } = await readFilter(deps.db, req);
    // A filter that does not parse must not silently become "export everything".
    if (errors.summary.length)
      throw new BadRequestError(`The filter is not valid: ${errors.summary.map((e) => e.message).join('; ')}`);
    // Recorded before the first byte leaves, so an interrupted download is still on record.
    await deps.audit.append({
      actor: req.principal!.id,
      action: 'audit_log.export',
      details: { filter: { ...filter } },
    });
    res.type('text/csv').attachment(`lethe-audit-log-${new Date().toISOString().slice(0, 10)}.csv`);
    res.write('seq,at,actor,actor_name,action,target,details,bundle_hash,prev_hash,hash\n');
    // Names looked up once per actor: a log of millions of entries has a few hundred actors.
    const names = new Map<string, string>();
    const nameOf = async (actor: string) => {
      if (!names.has(actor)) names.set(actor, (await actorNames(deps.db, [actor]))[actor]);
      return names.get(actor)!;
    };
    // Rows go out in chunks of about 64 KB, and the next waits while the client has not taken the
    // last (write() returns false until 'drain'): a million entries stream in bounded memory
    // however slowly the download is read (bench/web.bench.ts measures it).
    const stream = filtered(deps.db, filter).orderBy('seq', sort).stream();
    let chunk = '';
    for await (const row of stream) {
      chunk +=
        [
          row.seq,
          row.at,
          row.actor,
          await nameOf(row.actor),
          row.action,
          row.target,
          row.details,
          row.bundle_hash,
          row.prev_hash,
          row.hash,
        ]
          .map(csvCell)
          .join(',') + '\n';
      if (chunk.length >= 65_536) {
        const more = res.write(chunk);
        chunk = '';
        // A client that went away ends the download (leaving the loop closes the query's stream).
        if (!more && !(await drained(res))) return;
      }
    }
    if (chunk) res.write(chunk);
    res.end();
  });

  r.post('/audit-log/verify', can('verify', 'audit_log'), async (req, res) => {
    const result = await deps.audit.verify();
    await deps.audit.append({ actor: req.principal!.id, action: 'audit_log.verify', details: { ...result } });
    res.flash(
      result.ok ? 'success' : 'error',
      result.ok
        ? `Audit log intact: ${result.entries} entries, head ${result.head}`
        : `Audit log broken at entry ${result.brokenSeq}: ${result.reason}`,
    );
    res.redirect(303, '/audit-log');
  });

  return router;
}

// /api/v1/findings and /api/v1/audit-runs: filters and a cursor, as on the board.
import { z } from 'zod';
import type { ApiArea } from '../api/routes';
import { idParam, toOpenApi, type Param } from '../api/openapi';
import { can } from '../http/guard';
import { BadRequestError, NotFoundError } from '../errors';
import { toFormErrors } from '../http/forms';
import {
  BadCursorError,
  FINDING_SORTS,
  findingFilterSchema,
  listFindings,
  listRuns,
  runById,
  runFilterSchema,
} from './queries';
import { findingById } from './findings';
import { changeFinding, findingChangeSchema } from './commands';
import { findingJson, runJson } from './view-model';
import { AUDIT_KINDS } from '../policies/audit-kinds';
import { FINDING_STATUSES, SEVERITIES } from './types';

function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new BadRequestError('The query is not valid.', toFormErrors(parsed.error).fields);
  return parsed.data;
}

async function orBadCursor<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof BadCursorError) throw new BadRequestError(err.message, { cursor: err.message });
    throw err;
  }
}

const uuid = (raw: unknown) => (z.uuid().safeParse(raw).success ? String(raw) : null);

const query = (name: string, schema: z.ZodType, description: string): Param => ({
  name,
  in: 'query',
  schema,
  description,
});
const cursorParams = [
  query('cursor', z.string(), 'The `next` value of the previous page'),
  query('limit', z.number().int().min(1).max(200).default(25), 'Page size'),
];
const at = z.union([z.string(), z.date()]);
const findingSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(FINDING_STATUSES),
  title: z.string(),
  detail: z.string(),
  evidence: z.array(z.object({ label: z.string(), href: z.string().optional() })),
  owner: z.string().nullable(),
  justification: z.string().nullable(),
  acceptedUntil: z.string().nullable(),
  occurrences: z.number().int(),
  reopened: z.number().int(),
  firstSeenAt: at,
  lastSeenAt: at,
  firstRunId: z.string().nullable(),
  lastRunId: z.string().nullable(),
  actions: z.array(z.string()),
});
const runSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  schedule: z.string().nullable(),
  tickAt: at.nullable(),
  jobId: z.string().nullable(),
  bundleHash: z.string().nullable(),
  dryRun: z.boolean(),
  status: z.string(),
  summary: z.record(z.string(), z.unknown()).nullable(),
  findingsOpened: z.number().int().nullable(),
  findingsSeen: z.number().int().nullable(),
  error: z.string().nullable(),
  startedAt: at,
  finishedAt: at.nullable(),
});

export const auditsApi: ApiArea = {
  router(deps, r) {
    r.get('/findings', can('read', 'finding'), async (req, res) => {
      const page = await orBadCursor(listFindings(deps.db, parseQuery(findingFilterSchema, req.query)));
      res.json({ findings: page.rows.map(findingJson), next: page.next, total: page.total });
    });
    r.get('/findings/:id', can('read', 'finding'), async (req, res) => {
      const id = uuid(req.params.id);
      const row = id ? await findingById(deps.db, id) : undefined;
      if (!row) throw new NotFoundError('No such finding.');
      res.json(findingJson(row));
    });
    r.post('/findings/:id', can('update', 'finding'), async (req, res) => {
      const id = uuid(req.params.id);
      if (!id) throw new NotFoundError('No such finding.');
      const parsed = findingChangeSchema.safeParse(req.body ?? {});
      if (!parsed.success)
        throw new BadRequestError('The request body is not valid.', toFormErrors(parsed.error).fields);
      res.json(findingJson(await changeFinding(deps, id, parsed.data, req.principal!.id)));
    });
    r.get('/audit-runs', can('read', 'audit'), async (req, res) => {
      const page = await orBadCursor(listRuns(deps.db, parseQuery(runFilterSchema, req.query)));
      res.json({ runs: page.rows.map(runJson), next: page.next });
    });
    r.get('/audit-runs/:id', can('read', 'audit'), async (req, res) => {
      const id = uuid(req.params.id);
      const row = id ? await runById(deps.db, id) : undefined;
      if (!row) throw new NotFoundError('No such audit run.');
      res.json(runJson(row));
    });
  },
  paths: toOpenApi({
    '/findings': {
      get: {
        operationId: 'listFindings',
        summary: 'Audit findings, filtered and sorted, a page at a time (keyset cursor)',
        params: [
          query('severity', z.enum(SEVERITIES), 'Only this severity'),
          query(
            'status',
            z.enum([...FINDING_STATUSES, 'active', 'all']).default('active'),
            'active = open or acknowledged',
          ),
          query('kind', z.enum(AUDIT_KINDS), 'Only findings of this audit kind'),
          query('owner', z.string(), 'A user id, or "none" for unowned findings'),
          query(
            'sort',
            z.enum(FINDING_SORTS).default('severity'),
            'Most severe, most recently seen or most recently opened first',
          ),
          ...cursorParams,
        ],
        response: {
          description: 'A page of findings',
          schema: z.object({ findings: z.array(findingSchema), next: z.string().nullable(), total: z.number().int() }),
        },
        errors: { 400: 'Invalid query', 403: 'Permission missing' },
      },
    },
    '/findings/{id}': {
      get: {
        operationId: 'getFinding',
        summary: 'One finding',
        params: [idParam],
        response: { description: 'The finding', schema: findingSchema },
        errors: { 403: 'Permission missing', 404: 'No such finding' },
      },
      post: {
        operationId: 'changeFinding',
        summary:
          'Acknowledge, remediate, accept the risk (justification and expiry), reopen or assign a finding (audited)',
        params: [idParam],
        body: findingChangeSchema,
        response: { description: 'The finding after the change', schema: findingSchema },
        errors: {
          400: 'Invalid body',
          403: 'Permission missing',
          404: 'No such finding',
          409: 'Not possible in its status',
        },
      },
    },
    '/audit-runs': {
      get: {
        operationId: 'listAuditRuns',
        summary: 'Audit runs, newest first, a page at a time (keyset cursor)',
        params: [
          query('kind', z.enum(AUDIT_KINDS), 'Only this audit kind'),
          query('status', z.enum(['running', 'passed', 'failed', 'error']), 'Only runs in this status'),
          ...cursorParams,
        ],
        response: {
          description: 'A page of runs',
          schema: z.object({ runs: z.array(runSchema), next: z.string().nullable() }),
        },
        errors: { 400: 'Invalid query', 403: 'Permission missing' },
      },
    },
    '/audit-runs/{id}': {
      get: {
        operationId: 'getAuditRun',
        summary: 'One audit run with its summary',
        params: [idParam],
        response: { description: 'The run', schema: runSchema },
        errors: { 403: 'Permission missing', 404: 'No such audit run' },
      },
    },
  }),
};

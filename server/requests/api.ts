import { z } from 'zod';
import type { ApiArea } from '../api/routes';
import { idParam, toOpenApi, type Operation, type Param } from '../api/openapi';
import { can } from '../http/guard';
import { BadRequestError, NotFoundError } from '../errors';
import { toFormErrors } from '../http/forms';
import { createRequestSchema, reasonSchema, sharedDecisionSchema, verifySchema } from './commands';
import { decideShared } from './shared-check';
import { stepsOf, type RequestRow } from './queries';
import { previewFor, sendArtefact } from './artefacts-http';
import { atRiskDays, urgency } from './deadlines';
import { isClosed } from './status';
import { services } from '../services';
import { BadCursorError, queueAfter, queueContext, queueFilterSchema, QUEUE_SORTS, QUEUE_URGENCIES } from './queue';
import { REQUEST_STATUSES } from './status';

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const { fields } = toFormErrors(r.error);
    throw new BadRequestError('The request body is not valid.', fields);
  }
  return r.data;
}

function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const r = schema.safeParse(query ?? {});
  if (!r.success) throw new BadRequestError('The query is not valid.', toFormErrors(r.error).fields);
  return r.data;
}

const rowView = (row: RequestRow, atRisk: number) => ({
  id: row.id,
  type: row.type,
  regulation: row.regulation,
  status: row.status,
  reference: row.reference,
  duplicateOf: row.duplicate_of,
  receivedAt: row.received_at,
  dueAt: row.due_at,
  ackDueAt: row.ack_due_at,
  acknowledgedAt: row.acknowledged_at,
  urgency: isClosed(row.status) ? null : urgency(row.due_at, new Date(), atRisk).urgency,
  extended: row.extended_at ? { at: row.extended_at, reason: row.extension_reason } : null,
  verification: row.verified_at ? { method: row.verification_method, by: row.verified_by, at: row.verified_at } : null,
  decision: row.decided_at ? { by: row.decided_by, at: row.decided_at, denialReason: row.denial_reason } : null,
  hold: row.hold,
  assigneeId: row.assignee_id,
  progress: { done: row.progress_done, total: row.progress_total, label: row.progress_label },
  outcome: row.outcome,
  lastError: row.last_error,
  completedAt: row.completed_at,
  identityDestroyed: !row.identity_enc,
});

const at = z.iso.datetime();
const requestSchema = z.object({
  id: z.uuid(),
  type: z.enum(['erasure', 'access']),
  regulation: z.enum(['gdpr', 'ccpa', 'lgpd']),
  status: z
    .string()
    .describe('received, verified, approved, running, needs_attention, completed, part_held, denied, …'),
  reference: z.string().nullable(),
  duplicateOf: z.uuid().nullable(),
  receivedAt: at,
  dueAt: at,
  ackDueAt: at.nullable(),
  acknowledgedAt: at.nullable(),
  urgency: z.string().nullable().describe('ok, at_risk or overdue while the request is open'),
  extended: z.object({ at, reason: z.string().nullable() }).nullable(),
  verification: z.object({ method: z.string(), by: z.string(), at }).nullable(),
  decision: z.object({ by: z.string(), at, denialReason: z.string().nullable() }).nullable(),
  hold: z.unknown(),
  assigneeId: z.uuid().nullable().describe('The user handling the request, or null'),
  progress: z.object({
    done: z.number().int().nullable(),
    total: z.number().int().nullable(),
    label: z.string().nullable(),
  }),
  outcome: z.unknown().describe('Per system and table what was erased or kept, when done'),
  lastError: z.string().nullable(),
  completedAt: at.nullable(),
  identityDestroyed: z.boolean(),
});
const requestWithSteps = requestSchema.extend({
  steps: z.array(
    z.object({
      key: z.string(),
      status: z.string(),
      rowsAffected: z.number().int().nullable(),
      rowsKept: z.number().int().nullable(),
      doneAt: at.nullable(),
    }),
  ),
});
const listQuerySchema = queueFilterSchema.extend({
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(25),
});
const query = (name: string, schema: z.ZodType, description: string): Param => ({
  name,
  in: 'query',
  schema,
  description,
});

const errors = {
  400: 'Invalid body',
  403: 'Permission missing (or four-eyes)',
  404: 'No such request',
  409: 'Not possible in the current status',
} as const;
const action = (operationId: string, summary: string, body?: z.ZodType): Operation => ({
  operationId,
  summary,
  params: [idParam],
  body,
  response: { description: 'The request', schema: requestSchema },
  errors,
});

export const requestsApi: ApiArea = {
  router(deps, r) {
    const service = services(deps).requests;
    const view = (row: RequestRow) => rowView(row, atRiskDays(deps.policies.current()));
    const load = async (raw: string) => {
      if (!z.uuid().safeParse(raw).success) throw new NotFoundError('No such request.');
      return service.load(raw);
    };

    r.post('/requests', can('create', 'request'), async (req, res) => {
      const row = await service.create(parse(createRequestSchema, req.body), req.principal!);
      res
        .status(201)
        .location(`/api/v1/requests/${row.id}`)
        .json({ id: row.id, status: row.status, dueAt: row.due_at, duplicateOf: row.duplicate_of });
    });
    r.get('/requests', can('read', 'request'), async (req, res) => {
      const { cursor, limit, ...filter } = parseQuery(listQuerySchema, req.query);
      const page = await queueAfter(deps.db, filter, queueContext(deps, req.principal!), cursor, limit).catch((e) => {
        if (e instanceof BadCursorError) throw new BadRequestError(e.message, { cursor: e.message });
        throw e;
      });
      res.json({ requests: page.rows.map(view), next: page.next });
    });
    r.get('/requests/:id', can('read', 'request'), async (req, res) => {
      const row = await load(String(req.params.id));
      const steps = await stepsOf(deps.db, row.id);
      res.json({
        ...view(row),
        steps: steps.map((s) => ({
          key: s.step_key,
          status: s.status,
          rowsAffected: s.rows_affected,
          rowsKept: s.rows_kept,
          doneAt: s.done_at,
        })),
      });
    });
    r.post('/requests/:id/verify', can('verify', 'request'), async (req, res) => {
      const row = await load(String(req.params.id));
      res.json(view(await service.verify(row.id, parse(verifySchema, req.body), req.principal!)));
    });
    r.post('/requests/:id/approve', can('approve', 'request'), async (req, res) => {
      res.json(view(await service.approve((await load(String(req.params.id))).id, req.principal!)));
    });
    r.post('/requests/:id/deny', can('deny', 'request'), async (req, res) => {
      const row = await load(String(req.params.id));
      res.json(view(await service.deny(row.id, parse(reasonSchema, req.body).reason, req.principal!)));
    });
    r.post('/requests/:id/extend', can('extend', 'request'), async (req, res) => {
      const row = await load(String(req.params.id));
      res.json(view(await service.extend(row.id, parse(reasonSchema, req.body).reason, req.principal!)));
    });
    r.get('/requests/:id/preview', can('run', 'request'), async (req, res) => {
      res.json(await previewFor(deps, await load(String(req.params.id)), req.principal!.id));
    });
    r.post('/requests/:id/shared-values', can('run', 'request'), async (req, res) => {
      const row = await load(String(req.params.id));
      const body = parse(sharedDecisionSchema, req.body);
      res.json(await decideShared(deps, row, body.ref, body.decision, req.principal!));
    });
    r.post('/requests/:id/acknowledge', can('acknowledge', 'request'), async (req, res) => {
      res.json(view(await service.acknowledge((await load(String(req.params.id))).id, req.principal!)));
    });
    r.post('/requests/:id/close-no-data', can('approve', 'request'), async (req, res) => {
      res.json(view(await service.closeNoData((await load(String(req.params.id))).id, req.principal!)));
    });
    r.post('/requests/:id/retry', can('run', 'request'), async (req, res) => {
      res.json(view(await service.retry((await load(String(req.params.id))).id, req.principal!)));
    });
    r.get('/requests/:id/certificate.pdf', can('certificate', 'request'), async (req, res) => {
      await sendArtefact(deps, res, await load(String(req.params.id)), 'certificate', req.principal!.id);
    });
    r.get('/requests/:id/export.zip', can('export', 'request'), async (req, res) => {
      await sendArtefact(deps, res, await load(String(req.params.id)), 'export_zip', req.principal!.id);
    });
    r.get('/requests/:id/export', can('export', 'request'), async (req, res) => {
      await sendArtefact(deps, res, await load(String(req.params.id)), 'export', req.principal!.id);
    });
  },
  paths: toOpenApi({
    '/requests': {
      get: {
        operationId: 'listRequests',
        summary: 'The request queue: filtered, searched and sorted, a page at a time (keyset cursor)',
        params: [
          query(
            'q',
            z.string().max(320),
            "A request id (or its first hex digits), a reference, or the subject's exact email address (matched through its blind index only)",
          ),
          query('status', z.enum(['open', 'all', ...REQUEST_STATUSES]).default('open'), 'open, all or one status'),
          query('type', z.enum(['erasure', 'access']), 'Only this type'),
          query('regulation', z.enum(['gdpr', 'ccpa', 'lgpd']), 'Only this regulation'),
          query('assignee', z.string(), "mine (the token owner's), none (unassigned) or a user id"),
          query('urgency', z.enum(QUEUE_URGENCIES), 'Open requests at risk (due within the window) or overdue'),
          query('sort', z.enum(QUEUE_SORTS).default('due'), 'Due date, received date or status'),
          query('dir', z.enum(['asc', 'desc']).default('asc'), 'Sort direction'),
          query('cursor', z.string(), 'The `next` value of the previous page (same filters and sort)'),
          query('limit', z.number().int().min(1).max(200).default(25), 'Page size'),
        ],
        response: {
          description: 'A page of requests (never an identity) and the cursor of the next one',
          schema: z.object({ requests: z.array(requestSchema), next: z.string().nullable() }),
        },
        errors: { 400: 'Invalid query or cursor', 403: errors[403] },
      },
      post: {
        operationId: 'createRequest',
        summary: 'Record a data-subject request',
        body: createRequestSchema,
        response: {
          status: 201,
          description: 'The new request (a duplicate names the open one)',
          schema: z.object({ id: z.uuid(), status: z.string(), dueAt: at, duplicateOf: z.uuid().nullable() }),
        },
        errors: { 400: errors[400], 403: errors[403] },
      },
    },
    '/requests/{id}': {
      get: {
        operationId: 'getRequest',
        summary: 'Status, steps, verification and outcome',
        params: [idParam],
        response: { description: 'The request (never the identity)', schema: requestWithSteps },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
    '/requests/{id}/verify': {
      post: action(
        'verifyRequest',
        "Record identity verification {method, evidence}; 400 with fields.method when the method is below the level verification.yaml requires for the request's regulation and type",
        verifySchema,
      ),
    },
    '/requests/{id}/approve': {
      post: action('approveRequest', 'Approve (four-eyes: not the submitter) and queue the job'),
    },
    '/requests/{id}/deny': { post: action('denyRequest', 'Deny {reason}', reasonSchema) },
    '/requests/{id}/extend': { post: action('extendRequest', 'Extend the deadline {reason}', reasonSchema) },
    '/requests/{id}/acknowledge': {
      post: action('acknowledgeRequest', 'Confirm receipt (CCPA regs §7021(a): within 10 business days)'),
    },
    '/requests/{id}/close-no-data': {
      post: action(
        'closeRequestNoData',
        'Close an erasure request whose dry run finds no data about the subject, with a no-data notice (four-eyes; checked against the live systems)',
      ),
    },
    '/requests/{id}/retry': {
      post: action('retryRequest', 'Send a request that needs attention back to its job (done steps are skipped)'),
    },
    '/requests/{id}/preview': {
      get: {
        operationId: 'previewRequest',
        summary: 'Dry run: per system and table what would be erased or kept',
        params: [idParam],
        response: { description: 'The preview', schema: z.record(z.string(), z.unknown()) },
        errors: { 403: errors[403], 404: errors[404], 409: errors[409] },
      },
    },
    '/requests/{id}/shared-values': {
      post: {
        operationId: 'decideSharedValue',
        summary:
          "Decide a value other people's rows hold too {ref, decision: confirm | reject} (refs from the preview's `shared`), before approval",
        params: [idParam],
        body: sharedDecisionSchema,
        response: {
          description: 'The shared value and its decision',
          schema: z.object({
            ref: z.string(),
            kind: z.string(),
            masked: z.string(),
            from: z.string(),
            others: z.number().int(),
            decision: z.string(),
          }),
        },
        errors: { 400: errors[400], 403: errors[403], 404: errors[404], 409: errors[409] },
      },
    },
    '/requests/{id}/certificate.pdf': {
      get: {
        operationId: 'getRequestCertificate',
        summary: 'Certificate of erasure (PDF)',
        params: [idParam],
        response: { description: 'The certificate', file: 'application/pdf' },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
    '/requests/{id}/export': {
      get: {
        operationId: 'getRequestExport',
        summary:
          'Access package (tar: README.txt, information.txt/.json with the GDPR Art. 15 information, subject.json, one CSV per table)',
        params: [idParam],
        response: { description: 'The package', file: 'application/x-tar' },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
    '/requests/{id}/export.zip': {
      get: {
        operationId: 'getRequestExportZip',
        summary: 'The same access package as a ZIP',
        params: [idParam],
        response: { description: 'The package', file: 'application/zip' },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
  }),
};

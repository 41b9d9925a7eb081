import { z } from 'zod';
import type { ApiArea } from '../api/routes';
import { can } from '../http/guard';
import { BadRequestError, NotFoundError } from '../errors';
import { toFormErrors } from '../http/forms';
import { createRequestSchema, reasonSchema, verifySchema } from './commands';
import { createRequestService } from './service';
import { stepsOf, type RequestRow } from './queries';
import { previewFor, sendArtifact } from './artifacts-http';
import { urgency } from '../erasure/deadlines';

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const { fields } = toFormErrors(r.error);
    throw new BadRequestError('The request body is not valid.', fields);
  }
  return r.data;
}

const view = (row: RequestRow) => ({
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
  urgency: ['completed', 'denied'].includes(row.status) ? null : urgency(row.due_at, new Date()).urgency,
  extended: row.extended_at ? { at: row.extended_at, reason: row.extension_reason } : null,
  verification: row.verified_at ? { method: row.verification_method, by: row.verified_by, at: row.verified_at } : null,
  decision: row.decided_at ? { by: row.decided_by, at: row.decided_at, denialReason: row.denial_reason } : null,
  hold: row.hold,
  progress: { done: row.progress_done, total: row.progress_total, label: row.progress_label },
  outcome: row.outcome,
  lastError: row.last_error,
  completedAt: row.completed_at,
  identityDestroyed: !row.identity_enc,
});

const id = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const ok = (description: string) => ({ '200': { description } });
const errors = { '400': { description: 'Invalid body' }, '403': { description: 'Permission missing (or four-eyes)' }, '404': { description: 'No such request' }, '409': { description: 'Not possible in the current status' } };

export const requestsApi: ApiArea = {
  router(deps, r) {
    const service = createRequestService(deps);
    const load = async (raw: string) => {
      if (!z.uuid().safeParse(raw).success) throw new NotFoundError('No such request.');
      return service.load(raw);
    };

    r.post('/requests', can('create', 'request'), async (req, res) => {
      const row = await service.create(parse(createRequestSchema, req.body), req.principal!);
      res.status(201).location(`/api/v1/requests/${row.id}`).json({ id: row.id, status: row.status, dueAt: row.due_at, duplicateOf: row.duplicate_of });
    });
    r.get('/requests/:id', can('read', 'request'), async (req, res) => {
      const row = await load(String(req.params.id));
      const steps = await stepsOf(deps.db, row.id);
      res.json({ ...view(row), steps: steps.map((s) => ({ key: s.step_key, status: s.status, rowsAffected: s.rows_affected, rowsKept: s.rows_kept, doneAt: s.done_at })) });
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
    r.post('/requests/:id/acknowledge', can('acknowledge', 'request'), async (req, res) => {
      res.json(view(await service.acknowledge((await load(String(req.params.id))).id, req.principal!)));
    });
    r.post('/requests/:id/retry', can('run', 'request'), async (req, res) => {
      res.json(view(await service.retry((await load(String(req.params.id))).id, req.principal!)));
    });
    r.get('/requests/:id/certificate.pdf', can('certificate', 'request'), async (req, res) => {
      await sendArtifact(deps, res, await load(String(req.params.id)), 'certificate', req.principal!.id);
    });
    r.get('/requests/:id/export', can('export', 'request'), async (req, res) => {
      await sendArtifact(deps, res, await load(String(req.params.id)), 'export', req.principal!.id);
    });
  },
  paths: {
    '/requests': {
      post: {
        summary: 'Record a data-subject request',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['type', 'regulation', 'identity'],
                properties: {
                  type: { enum: ['erasure', 'access'] },
                  regulation: { enum: ['gdpr', 'ccpa', 'lgpd'] },
                  identity: { type: 'object', properties: { email: { type: 'string', format: 'email' }, customer_id: { type: 'string' }, phone: { type: 'string' } }, additionalProperties: false },
                  reference: { type: 'string' },
                },
              },
            },
          },
        },
        responses: { '201': { description: '{id, status, dueAt, duplicateOf}' }, '400': errors['400'], '403': errors['403'] },
      },
    },
    '/requests/{id}': { get: { summary: 'Status, steps, verification and outcome', parameters: [id], responses: { ...ok('The request (never the identity)'), ...errors } } },
    '/requests/{id}/verify': { post: { summary: 'Record identity verification {method, evidence}', parameters: [id], responses: { ...ok('The request'), ...errors } } },
    '/requests/{id}/approve': { post: { summary: 'Approve (four-eyes: not the submitter) and queue the job', parameters: [id], responses: { ...ok('The request'), ...errors } } },
    '/requests/{id}/deny': { post: { summary: 'Deny {reason}', parameters: [id], responses: { ...ok('The request'), ...errors } } },
    '/requests/{id}/extend': { post: { summary: 'Extend the deadline {reason}', parameters: [id], responses: { ...ok('The request'), ...errors } } },
    '/requests/{id}/acknowledge': { post: { summary: 'Confirm receipt (CCPA regs §7021(a): within 10 business days)', parameters: [id], responses: { ...ok('The request'), ...errors } } },
    '/requests/{id}/retry': { post: { summary: 'Send a request that needs attention back to its job (done steps are skipped)', parameters: [id], responses: { ...ok('The request'), ...errors } } },
    '/requests/{id}/preview': { get: { summary: 'Dry run: per system and table what would be erased or kept', parameters: [id], responses: { ...ok('The preview'), ...errors } } },
    '/requests/{id}/certificate.pdf': { get: { summary: 'Certificate of erasure (PDF)', parameters: [id], responses: { '200': { description: 'application/pdf', content: { 'application/pdf': {} } }, ...errors } } },
    '/requests/{id}/export': { get: { summary: 'Access package (tar: subject.json + one CSV per table)', parameters: [id], responses: { '200': { description: 'application/x-tar' }, ...errors } } },
  },
};

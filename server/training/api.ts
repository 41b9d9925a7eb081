// /api/v1 for consent platforms and ML pipelines: push consent events, build or check a training
// snapshot, read a dataset's lineage, run a bias check.
import type { ApiArea } from '../api/routes';
import { can } from '../http/guard';
import { BadRequestError, NotFoundError } from '../errors';
import { z } from 'zod';
import { consentInputSchema, recordConsentEvents, validateConsentEvents } from './consent';
import { pathParam, toOpenApi } from '../api/openapi';
import { type Reference } from './bias-service';
import { lineageFor } from './lineage';
import { findDataset } from '../datamap/lookup';
import { services } from '../services';

const MAX_EVENTS = 10_000;
const name = pathParam('name', z.string(), 'system.dataset, as in the data map');
const errors = { 400: 'Invalid body', 403: 'Permission missing', 404: 'Not found' } as const;
const eventsBody = z.object({ events: z.array(consentInputSchema).min(1).max(MAX_EVENTS) });
const versionCounts = z.object({
  ok: z.literal(true),
  versionId: z.uuid(),
  version: z.number().int(),
  status: z.string(),
  rowsIn: z.number().int(),
  rowsOut: z.number().int(),
  rowsExcluded: z.number().int(),
});
const biasBody = z.object({
  dataset: z.string().describe('A dataset declared in training.yaml'),
  reference: z
    .record(z.string(), z.record(z.string(), z.number().min(0)))
    .optional()
    .describe('{attribute: {group: share}}; default: the reference source table'),
});
const lineageSchema = z.object({
  dataset: z.string(),
  version: z
    .object({
      id: z.uuid(),
      version: z.number().int(),
      jobId: z.string().nullable(),
      bundleHash: z.string().nullable(),
      contentSha256: z.string().nullable(),
      consentFilter: z.unknown(),
      sources: z.unknown(),
    })
    .nullable(),
  nodes: z.array(z.record(z.string(), z.unknown())),
  edges: z.array(z.record(z.string(), z.unknown())),
});

export const trainingApi: ApiArea = {
  router(deps, r) {
    const { snapshots, bias } = services(deps);

    r.post('/consent/events', can('import', 'consent'), async (req, res) => {
      const events = req.body?.events;
      if (!Array.isArray(events) || events.length === 0)
        throw new BadRequestError('Send {"events": [...]}, one object per consent event.', { events: 'required' });
      if (events.length > MAX_EVENTS)
        throw new BadRequestError(`At most ${MAX_EVENTS} events per call.`, { events: 'too many' });
      const v = validateConsentEvents(deps.policies.current(), events);
      if (!v.ok) {
        const fields = Object.fromEntries(
          v.errors.slice(0, 50).map((e) => [`events[${e.row - 1}].${e.field}`, e.message]),
        );
        throw new BadRequestError(`Nothing was recorded: ${v.errors.length} problem(s).`, fields);
      }
      res.status(201).json(await recordConsentEvents(deps, v.events, req.principal!.id, 'api'));
    });

    r.post('/training/snapshots/:name/build', can('build', 'training'), async (req, res) => {
      const out = await snapshots.build(String(req.params.name), req.principal!.id);
      if (!out.ok) throw new NotFoundError(out.message);
      res.status(201).json(out);
    });

    r.post('/training/snapshots/:name/check', can('check', 'training'), async (req, res) => {
      const out = await snapshots.check(String(req.params.name), req.principal!.id);
      if (!out.ok) throw new NotFoundError(out.message);
      res.status(201).json(out);
    });

    r.post('/training/bias-checks', can('check', 'training'), async (req, res) => {
      const dataset = String(req.body?.dataset ?? '');
      const raw = req.body?.reference;
      let reference: Reference | undefined;
      if (raw !== undefined) {
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
          throw new BadRequestError('reference is {attribute: {group: share}}.', { reference: 'invalid' });
        reference = new Map();
        for (const [attribute, groups] of Object.entries(raw as Record<string, unknown>)) {
          if (typeof groups !== 'object' || groups === null)
            throw new BadRequestError('reference is {attribute: {group: share}}.', {
              [`reference.${attribute}`]: 'invalid',
            });
          const entries = Object.entries(groups as Record<string, unknown>);
          if (entries.some(([, v]) => typeof v !== 'number' || !(v >= 0)))
            throw new BadRequestError('Shares are numbers, not negative.', { [`reference.${attribute}`]: 'invalid' });
          reference.set(attribute, new Map(entries as [string, number][]));
        }
      }
      const out = await bias.run(dataset, req.principal!.id, reference);
      if (!out.ok) throw new BadRequestError(out.message, { [out.field]: out.message });
      res.status(201).json({ id: out.id, passed: out.passed, ...out.result });
    });

    r.get('/datasets/:name/lineage', can('read', 'dataset'), async (req, res) => {
      const dataset = String(req.params.name);
      if (!findDataset(deps.policies.current().datamap, dataset))
        throw new NotFoundError(`No dataset ${dataset} in the data map.`);
      const { graph, build } = await lineageFor(deps, dataset);
      res.json({
        dataset,
        version: build
          ? {
              id: build.id,
              version: build.version,
              jobId: build.job_id,
              bundleHash: build.bundle_hash,
              contentSha256: build.content_sha256,
              consentFilter: build.consent_filter,
              sources: build.sources,
            }
          : null,
        ...graph,
      });
    });
  },
  paths: toOpenApi({
    '/consent/events': {
      post: {
        operationId: 'recordConsentEvents',
        summary: 'Record consent events (given, withdrawn, objected); identifiers are hashed on arrival',
        body: eventsBody,
        response: {
          status: 201,
          description: 'What was recorded',
          schema: z.object({
            recorded: z.number().int(),
            duplicates: z.number().int(),
            doNotTrainAdded: z.number().int(),
          }),
        },
        errors: { 400: 'Invalid events: nothing was recorded (fields name each event and field)', 403: errors[403] },
      },
    },
    '/training/snapshots/{name}/build': {
      post: {
        operationId: 'buildTrainingSnapshot',
        summary: 'Build a training snapshot through the consent filter',
        params: [name],
        response: { status: 201, description: 'The new version and its counts', schema: versionCounts },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
    '/training/snapshots/{name}/check': {
      post: {
        operationId: 'checkTrainingSnapshot',
        summary: 'Count rows of subjects without a basis in a snapshot as it stands',
        params: [name],
        response: { status: 201, description: 'The check and its counts', schema: versionCounts },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
    '/training/bias-checks': {
      post: {
        operationId: 'runBiasCheck',
        summary: 'Run the bias and representation check of a dataset declared in training.yaml',
        body: biasBody,
        response: {
          status: 201,
          description: 'The verdict, per-attribute results and problems',
          schema: z.object({ id: z.uuid(), passed: z.boolean() }).catchall(z.unknown()),
        },
        errors: { 400: errors[400], 403: errors[403] },
      },
    },
    '/datasets/{name}/lineage': {
      get: {
        operationId: 'getDatasetLineage',
        summary: "A dataset's lineage graph (nodes, edges) and its latest build",
        params: [name],
        response: { description: 'The lineage', schema: lineageSchema },
        errors: { 403: errors[403], 404: errors[404] },
      },
    },
  }),
};

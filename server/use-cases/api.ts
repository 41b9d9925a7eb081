// /api/v1/use-cases: the registry and the board's votes for integrations (and the CLI import).
import { z } from 'zod';
import type { ApiArea } from '../api/routes';
import { can } from '../http/guard';
import { BadRequestError, NotFoundError } from '../errors';
import { toFormErrors } from '../http/forms';
import { accountableFor } from '../auth';
import type { Principal } from '../auth';
import type { Deps } from '../deps';
import { answersInput, assessmentInput, STATUSES, useCaseInput, voteInput } from './commands';
import { idParam, toOpenApi, type Param } from '../api/openapi';
import { isoDay, missingAssessments, type Outcome } from './service';
import { listQuery, type UseCaseRow } from './queries';
import { services } from '../services';

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new BadRequestError('The request body is not valid.', toFormErrors(r.error).fields);
  return r.data;
}
function unwrap<T>(o: Outcome<T>): T {
  if (!o.ok) throw new BadRequestError('The request body is not valid.', o.errors);
  return o.value;
}

export const useCaseView = (row: UseCaseRow) => ({
  id: row.id,
  title: row.title,
  status: row.status,
  role: row.role,
  tier: row.tier,
  rulesTier: row.classification?.tier ?? null,
  tierOverride: row.tier_override,
  transparencyDuties: row.classification?.transparencyDuties ?? [],
  rulesFired: (row.classification?.rulesFired ?? []).map((r) => ({
    name: r.name,
    article: r.article,
    reason: r.reason,
    ...(r.setAside ? { setAside: true } : {}),
  })),
  requiredAssessments: row.classification?.requires ?? [],
  missingAssessments: missingAssessments(row),
  flags: row.classification?.flags ?? [],
  generalPurposeModel: row.classification?.gpai ?? false,
  ownerId: row.owner_id,
  purpose: row.purpose,
  models: row.models,
  dataCategories: row.data_categories,
  datasets: row.datasets,
  datamapModels: row.datamap_models,
  personalDataUses: row.personal_data_uses,
  logRetention: row.log_retention,
  humanOversight: row.human_oversight,
  affectedGroups: row.affected_groups,
  regions: row.regions,
  goLive: isoDay(row.go_live),
  version: row.version,
  nextReviewAt: row.next_review_at,
  bundleHash: row.bundle_hash,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** A token registers on behalf of the person who created it; that person owns the case unless the body names another owner. */
async function defaultOwner(deps: Pick<Deps, 'db'>, principal: Principal): Promise<string | undefined> {
  const person = await accountableFor(deps.db, principal.id);
  return person.startsWith('user:') ? person.slice(5) : undefined;
}

export const createBody = (deps: Pick<Deps, 'db'>, principal: Principal, body: Record<string, unknown>) =>
  defaultOwner(deps, principal).then((owner) => ({
    fields: parse(useCaseInput, { ownerId: owner, ...body }),
    answers: body.answers === undefined ? {} : parse(answersInput, body.answers),
    assessment:
      body.assessment === undefined
        ? undefined
        : (parse(assessmentInput, body.assessment) as { dpia: Record<string, string>; fria: Record<string, string> }),
  }));

const cursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);
const encodeCursor = (row: UseCaseRow) =>
  Buffer.from(JSON.stringify([new Date(row.created_at).toISOString(), row.id])).toString('base64url');
function decodeCursor(raw: unknown): [string, string] | null {
  if (typeof raw !== 'string' || !raw) return null;
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
  } catch {
    throw new BadRequestError('The cursor is not valid.', { cursor: 'Use the nextCursor of the previous page.' });
  }
}

const at = z.iso.datetime();
const useCaseSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  status: z.enum(STATUSES),
  role: z.enum(['provider', 'deployer', 'provider_and_deployer']).nullable(),
  tier: z.enum(['prohibited', 'high', 'limited', 'minimal']).nullable(),
  rulesTier: z.string().nullable(),
  tierOverride: z.object({ tier: z.string(), justification: z.string(), by: z.string(), at: z.string() }).nullable(),
  transparencyDuties: z.array(z.string()),
  rulesFired: z.array(
    z.object({ name: z.string(), article: z.string(), reason: z.string(), setAside: z.literal(true).optional() }),
  ),
  requiredAssessments: z.array(z.string()),
  missingAssessments: z.array(z.string()),
  flags: z.array(z.string()),
  generalPurposeModel: z.boolean(),
  ownerId: z.uuid(),
  purpose: z.string(),
  models: z.array(z.string()),
  dataCategories: z.array(z.string()),
  datasets: z.array(z.string()),
  datamapModels: z.array(z.string()),
  personalDataUses: z.array(z.string()),
  logRetention: z.string(),
  humanOversight: z.string(),
  affectedGroups: z.string(),
  regions: z.array(z.string()),
  goLive: z.iso.date().nullable(),
  version: z.number().int(),
  nextReviewAt: at.nullable(),
  bundleHash: z.string().nullable(),
  createdAt: at,
  updatedAt: at,
});
/** The API body: the form's fields, the owner defaulting to the token's person, answers and assessment optional. */
const createUseCaseBody = useCaseInput.extend({
  ownerId: z.uuid().optional(),
  answers: answersInput.optional(),
  assessment: assessmentInput.optional(),
});
const query = (name: string, description: string): Param => ({ name, in: 'query', schema: z.string(), description });
const errors = {
  400: 'Invalid body (fields name the problems)',
  403: 'Permission missing, or the voter owns, proposed or submitted the case',
  404: 'No such use case',
  409: 'Not possible in the current status',
} as const;

export const useCasesApi: ApiArea = {
  router(deps, r) {
    const { useCases: cases, reviews: review } = services(deps);
    const load = async (raw: string) => {
      if (!z.uuid().safeParse(raw).success) throw new NotFoundError('No such use case.');
      return cases.load(raw);
    };

    r.get('/use-cases', can('read', 'use_case'), async (req, res) => {
      const limit = Math.min(200, Math.max(1, Number.parseInt(String(req.query.limit ?? '50'), 10) || 50));
      const cursor = decodeCursor(req.query.cursor);
      const str = (k: string) => (typeof req.query[k] === 'string' && req.query[k] ? String(req.query[k]) : undefined);
      const q = listQuery(deps.db, {
        q: str('q'),
        tier: str('tier'),
        status: str('status'),
        owner: str('owner'),
      }).select('use_cases.*');
      if (cursor) q.whereRaw('(use_cases.created_at, use_cases.id) < (?::timestamptz, ?::uuid)', cursor);
      const rows: UseCaseRow[] = await q
        .orderBy([
          { column: 'use_cases.created_at', order: 'desc' },
          { column: 'use_cases.id', order: 'desc' },
        ])
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      res.json({ items: page.map(useCaseView), nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!) : null });
    });
    r.post('/use-cases', can('create', 'use_case'), async (req, res) => {
      const row = unwrap(await cases.create(await createBody(deps, req.principal!, req.body ?? {}), req.principal!));
      res.status(201).location(`/api/v1/use-cases/${row.id}`).json(useCaseView(row));
    });
    r.get('/use-cases/:id', can('read', 'use_case'), async (req, res) => {
      res.json(useCaseView(await load(String(req.params.id))));
    });
    r.post('/use-cases/:id/submit', can('create', 'use_case'), async (req, res) => {
      const row = await load(String(req.params.id));
      res.json(useCaseView(unwrap(await cases.submit(row.id, req.principal!))));
    });
    r.post('/use-cases/:id/votes', can('review', 'use_case'), async (req, res) => {
      const row = await load(String(req.params.id));
      const out = unwrap(await review.vote(row.id, parse(voteInput, req.body), req.principal!));
      res.status(201).json({ ...useCaseView(out.row), decided: out.decided });
    });
  },
  paths: toOpenApi({
    '/use-cases': {
      get: {
        operationId: 'listUseCases',
        summary: 'AI use cases, newest first',
        params: [
          query('cursor', 'The nextCursor of the previous page'),
          query('limit', '1 to 200 (default 50)'),
          query('q', 'Words in the title or purpose'),
          query('tier', 'prohibited, high, limited or minimal'),
          query('status', 'draft, submitted, in_review, …'),
          query('owner', "The owner's user id"),
        ],
        response: {
          description: 'One page of use cases',
          schema: z.object({ items: z.array(useCaseSchema), nextCursor: z.string().nullable() }),
        },
        errors: { 400: 'The cursor is not valid', 403: errors[403] },
      },
      post: {
        operationId: 'createUseCase',
        summary: 'Register a use case (with questionnaire answers); classified by ai-act.yaml',
        body: createUseCaseBody,
        response: { status: 201, description: 'The use case', schema: useCaseSchema },
        errors,
      },
    },
    '/use-cases/{id}': {
      get: {
        operationId: 'getUseCase',
        summary: 'One use case with its tier and the rules that fired',
        params: [idParam],
        response: { description: 'The use case', schema: useCaseSchema },
        errors,
      },
    },
    '/use-cases/{id}/submit': {
      post: {
        operationId: 'submitUseCase',
        summary: 'Submit a draft to the ethics board',
        params: [idParam],
        response: { description: 'The use case', schema: useCaseSchema },
        errors,
      },
    },
    '/use-cases/{id}/votes': {
      post: {
        operationId: 'voteOnUseCase',
        summary: 'Vote on the current version (assigned board members; not the owner, proposer or submitter)',
        params: [idParam],
        body: voteInput,
        response: {
          status: 201,
          description: 'The use case after the vote; `decided` names the outcome when this vote decided it',
          schema: useCaseSchema.extend({ decided: z.string().nullable().optional() }),
        },
        errors,
      },
    },
  }),
};

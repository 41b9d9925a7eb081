// The OpenAPI document, generated: each area describes its operations with the zod schemas its
// handlers parse bodies with and its answers follow (`z.toJSONSchema`), an operationId each,
// and the one error shape every failure answers with (server/http/error-handler.ts).
import { z } from 'zod';

export type OpenApiPaths = Record<string, Record<string, unknown>>;

/** `{error: {code, message, fields?, reference?}}`: what every 4xx/5xx answer carries. */
export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. bad_request, forbidden, not_found, conflict'),
    message: z.string().describe('A sentence for a person'),
    fields: z.record(z.string(), z.string()).optional().describe('Per input field, what is wrong (400 only)'),
    reference: z.string().optional().describe('Quote it to the operators (5xx only)'),
  }),
});

export interface Param {
  name: string;
  in: 'path' | 'query';
  schema: z.ZodType;
  description?: string;
}

export interface Operation {
  operationId: string;
  summary: string;
  params?: Param[];
  /** The body's schema, as the handler parses it. */
  body?: z.ZodType;
  /** The success answer: a JSON schema, or a file of the given media type. */
  response: { status?: 200 | 201 | 202; description: string } & ({ schema: z.ZodType } | { file: string });
  /**
   * Error statuses beyond 401 (every operation needs a token), with what they mean here; the
   * answer is the shared Error schema unless a schema is given (a refused policy reload).
   */
  errors?: Partial<Record<400 | 403 | 404 | 409 | 422, string | { description: string; schema: z.ZodType }>>;
}

export type Operations = Record<string, Partial<Record<'get' | 'post', Operation>>>;

/** JSON Schema (2020-12, the dialect of OpenAPI 3.1) of a zod schema, inline. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

export const pathParam = (name: string, schema: z.ZodType = z.string(), description?: string): Param => ({
  name,
  in: 'path',
  schema,
  description,
});
export const idParam = pathParam('id', z.uuid());

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

export function toOpenApi(ops: Operations): OpenApiPaths {
  const out: OpenApiPaths = {};
  for (const [path, methods] of Object.entries(ops)) {
    out[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      if (!op) continue;
      const ok = op.response;
      const responses: Record<string, unknown> = {
        [String(ok.status ?? 200)]:
          'schema' in ok
            ? {
                description: ok.description,
                content: { 'application/json': { schema: jsonSchema(ok.schema, 'output') } },
              }
            : { description: ok.description, content: { [ok.file]: { schema: { type: 'string', format: 'binary' } } } },
        '401': errorResponse('No valid API token'),
      };
      for (const [status, e] of Object.entries(op.errors ?? {})) {
        if (!e) continue;
        responses[status] =
          typeof e === 'string'
            ? errorResponse(e)
            : {
                description: e.description,
                content: { 'application/json': { schema: jsonSchema(e.schema, 'output') } },
              };
      }
      out[path][method] = {
        operationId: op.operationId,
        summary: op.summary,
        ...(op.params?.length
          ? {
              parameters: op.params.map((p) => ({
                name: p.name,
                in: p.in,
                required: p.in === 'path',
                ...(p.description ? { description: p.description } : {}),
                schema: jsonSchema(p.schema, 'input'),
              })),
            }
          : {}),
        ...(op.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: jsonSchema(op.body, 'input') } },
              },
            }
          : {}),
        responses,
      };
    }
  }
  return out;
}

export function openApiDocument(paths: OpenApiPaths) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lethe API',
      version: '1',
      description:
        'Data-subject requests, policies and audit evidence. Authenticate with `Authorization: Bearer <token>`; a token acts with its role.',
    },
    servers: [{ url: '/api/v1' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(errorSchema, 'output') },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

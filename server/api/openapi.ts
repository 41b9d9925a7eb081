export type OpenApiPaths = Record<string, Record<string, unknown>>;

export function openApiDocument(paths: OpenApiPaths) {
  return {
    openapi: '3.1.0',
    info: { title: 'Lethe API', version: '1', description: 'Data-subject requests, policies and audit evidence. Authenticate with `Authorization: Bearer <token>`; a token acts with its role.' },
    servers: [{ url: '/api/v1' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, fields: { type: 'object' } } } } },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

// The OpenAPI document is generated from the areas' zod schemas: it must be a valid OpenAPI 3.1
// document and describe every /api/v1 route the app declares, each with an operationId, a
// schema for its answer and the shared Error schema for its failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestApp, type TestApp } from '../support/app';

let t: TestApp;

let doc: any;

beforeAll(async () => {
  t = await createTestApp();
  const res = await request(t.app).get('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => t?.close());

const apiRoutes = () =>
  t.app.routes
    .filter((r) => r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json')
    .map((r) => ({ method: r.method, path: r.path.slice('/api/v1'.length).replace(/:(\w+)/g, '{$1}') }));

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('describes every API route the app declares, and nothing it does not', () => {
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThan(20);
    for (const { method, path } of routes)
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('gives each operation a unique operationId, a schema for its success answer and the Error schema for its failures', () => {
    const ids = new Set<string>();
    for (const { method, path } of apiRoutes()) {
      const op = doc.paths[path][method];
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      expect(ids.has(op.operationId), `${where}: operationId ${op.operationId} used twice`).toBe(false);
      ids.add(op.operationId);
      const [okStatus, ok] = Object.entries(op.responses).find(([s]) => s.startsWith('2'))! as [
        string,
        { content: Record<string, { schema: object }> },
      ];
      expect(okStatus, where).toMatch(/^20[012]$/);
      const [media] = Object.entries(ok.content);
      expect(media[1].schema, `${where}: ${okStatus} ${media[0]}`).toBeTruthy();
      if (media[0] === 'application/json')
        expect(Object.keys(media[1].schema).length, `${where}: empty answer schema`).toBeGreaterThan(0);
      expect(op.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      for (const [status, r] of Object.entries(op.responses) as [
        string,
        { content: Record<string, { schema: unknown }> },
      ][]) {
        if (status.startsWith('4') && !(path === '/policy/reload' && status === '422'))
          expect(r.content['application/json'].schema, `${where} ${status}`).toEqual({
            $ref: '#/components/schemas/Error',
          });
      }
    }
    expect(doc.components.schemas.Error.properties.error.required).toEqual(expect.arrayContaining(['code', 'message']));
  });

  it('takes request bodies from the schemas the handlers parse with', () => {
    const create = doc.paths['/requests'].post.requestBody.content['application/json'].schema;
    expect(create.required).toEqual(expect.arrayContaining(['type', 'regulation', 'identity']));
    expect(create.properties.type.enum).toEqual(['erasure', 'access']);
    expect(create.properties.identity.properties.email.format).toBe('email');
    const vote = doc.paths['/use-cases/{id}/votes'].post.requestBody.content['application/json'].schema;
    expect(vote.properties.vote.enum).toEqual(['approve', 'approve_with_conditions', 'reject']);
    const order = doc.paths['/reports'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(order)).toContain('audit_run');
    expect(doc.paths['/requests/{id}'].get.parameters[0]).toMatchObject({
      name: 'id',
      in: 'path',
      required: true,
      schema: { format: 'uuid' },
    });
  });

  it('answers agree with their documented required fields (GET /requests/{id})', async () => {
    const { apiToken } = await import('../support/app');
    const token = await apiToken(t, 'compliance_officer');
    const created = await request(t.app)
      .post('/api/v1/requests')
      .set('Authorization', `Bearer ${token}`)
      .send({ type: 'erasure', regulation: 'gdpr', identity: { email: 'someone@example.com' } });
    expect(created.status).toBe(201);
    const createdSchema = doc.paths['/requests'].post.responses['201'].content['application/json'].schema;
    for (const key of createdSchema.required) expect(created.body, key).toHaveProperty([key]);
    const got = await request(t.app).get(`/api/v1/requests/${created.body.id}`).set('Authorization', `Bearer ${token}`);
    expect(got.status).toBe(200);
    const schema = doc.paths['/requests/{id}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(got.body).sort()).toEqual(Object.keys(schema.properties).sort());
    for (const key of schema.required) expect(got.body, key).toHaveProperty([key]);
  });
});

// GET /api/v1/requests (issue 19): the queue's filters and search, a keyset cursor, the access
// policy, and its operation in the generated OpenAPI document.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { apiAs, apiToken, createUser, type TestApp, createTestApp } from '../support/app';

let t: TestApp;
let officer: ReturnType<typeof apiAs>;
let ownerId: string;
let other: string;
const mine: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  ownerId = (await createUser(t, 'compliance_officer')).id;
  other = (await createUser(t, 'compliance_officer')).id;
  officer = apiAs(t.app, await apiToken(t, 'compliance_officer', `user:${ownerId}`));
  // 12 requests assigned to the token's owner, due one day apart, received in the other order.
  const now = Date.now();
  for (let i = 0; i < 12; i++) {
    const [row] = await t.deps
      .db('requests')
      .insert({
        type: i % 2 ? 'access' : 'erasure',
        regulation: 'gdpr',
        status: i === 11 ? 'completed' : 'received',
        identity_index: crypto.randomBytes(32).toString('hex'),
        submitted_by: 'system:test',
        received_at: new Date(now - (12 - i) * 3_600_000),
        due_at: new Date(now + (i - 2) * 86_400_000 + 3_600_000),
        assignee_id: ownerId,
      })
      .returning('id');
    mine.push(row.id);
  }
});
afterAll(() => t?.close());

/** Every page of a listing, following `next`. */
async function all(query: string, limit = 4): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let next: string | null = null;
  let pages = 0;
  do {
    const res = await officer.get(
      `/requests?${query}&limit=${limit}${next ? `&cursor=${encodeURIComponent(next)}` : ''}`,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.requests.map((r: { id: string }) => r.id));
    next = res.body.next;
    pages++;
  } while (next && pages < 50);
  return { ids, pages };
}

describe('GET /api/v1/requests', () => {
  it('pages through the filtered queue with a keyset cursor, in every sort order, each row once', async () => {
    const byDue = await all('assignee=mine&status=all&sort=due&dir=asc');
    expect(byDue.ids).toEqual(mine);
    expect(byDue.pages).toBe(3);
    expect((await all('assignee=mine&status=all&sort=due&dir=desc')).ids).toEqual([...mine].reverse());
    expect((await all('assignee=mine&status=all&sort=received&dir=desc', 5)).ids).toEqual([...mine].reverse());
    const byStatus = (await all('assignee=mine&status=all&sort=status&dir=asc', 3)).ids;
    expect(new Set(byStatus).size).toBe(12);
    // "completed" sorts before "received"; ties follow the id.
    expect(byStatus[0]).toBe(mine[11]);
    expect(byStatus.slice(1)).toEqual(mine.slice(0, 11).sort());
  });

  it('filters by status, type, assignee and urgency, and names the assignee in each row', async () => {
    const open = (await all('assignee=mine')).ids;
    expect(open).toEqual(mine.slice(0, 11));
    expect((await all('assignee=mine&type=access&status=all')).ids).toEqual(mine.filter((_, i) => i % 2));
    expect((await all('assignee=mine&urgency=overdue')).ids).toEqual(mine.slice(0, 2));
    // Due within the default 7 days, not yet overdue.
    expect((await all('assignee=mine&urgency=at_risk')).ids).toEqual(mine.slice(2, 9));
    expect((await all(`assignee=${ownerId}&status=all`)).ids).toHaveLength(12);
    expect((await all(`assignee=${other}&status=all`)).ids).toEqual([]);
    const none = (await all('assignee=none&status=all')).ids;
    expect(none.some((id) => mine.includes(id))).toBe(false);
    const res = await officer.get('/requests?assignee=mine&limit=1');
    expect(res.body.requests[0]).toMatchObject({ id: mine[0], assigneeId: ownerId, urgency: 'overdue' });
    expect(res.body.requests[0]).not.toHaveProperty('identity');
  });

  it("searches by the subject's email through the blind index only, and by id and reference", async () => {
    const created = await officer.post('/requests', {
      type: 'erasure',
      regulation: 'ccpa',
      identity: { email: 'api-queue@example.com' },
      reference: 'API-REF-9',
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const row = await t.deps.db('requests').where({ id }).first();
    expect(row.identity_enc).not.toContain('api-queue');
    const search = async (q: string) =>
      (await officer.get(`/requests?status=all&q=${encodeURIComponent(q)}`)).body.requests.map(
        (r: { id: string }) => r.id,
      );
    expect(await search('API-Queue@example.com')).toEqual([id]);
    expect(await search('api-queue@example')).toEqual([]);
    expect(await search('api-queue')).toEqual([]);
    expect(await search(id)).toEqual([id]);
    expect(await search(id.slice(0, 6))).toContain(id);
    expect(await search('api-ref-9')).toEqual([id]);
  });

  it('refuses a bad cursor, a cursor of another sort order and an unknown filter with 400', async () => {
    const first = await officer.get('/requests?assignee=mine&status=all&sort=due&limit=2');
    expect(first.body.next).toBeTruthy();
    const otherSort = await officer.get(
      `/requests?assignee=mine&status=all&sort=received&limit=2&cursor=${encodeURIComponent(first.body.next)}`,
    );
    expect(otherSort.status).toBe(400);
    expect(otherSort.body.error.fields.cursor).toBeTruthy();
    expect((await officer.get('/requests?cursor=not-a-cursor')).status).toBe(400);
    const bad = await officer.get('/requests?urgency=soon&assignee=somebody');
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['assignee', 'urgency']);
  });

  it('follows the access policy: an auditor reads the queue, an admin may not', async () => {
    expect((await apiAs(t.app, await apiToken(t, 'auditor')).get('/requests')).status).toBe(200);
    const admin = await apiAs(t.app, await apiToken(t, 'admin')).get('/requests');
    expect(admin.status).toBe(403);
    expect((await request(t.app).get('/api/v1/requests')).status).toBe(401);
  });

  it('is described in the OpenAPI document as listRequests with its query parameters', async () => {
    const doc = (await request(t.app).get('/api/v1/openapi.json')).body;
    const op = doc.paths['/requests'].get;
    expect(op.operationId).toBe('listRequests');
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual([
      'q',
      'status',
      'type',
      'regulation',
      'assignee',
      'urgency',
      'sort',
      'dir',
      'cursor',
      'limit',
    ]);
    expect(op.parameters.every((p: { in: string }) => p.in === 'query')).toBe(true);
    const schema = op.responses['200'].content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['requests', 'next']));
    expect(schema.properties.requests.items.properties.assigneeId).toBeTruthy();
    expect(op.responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  });
});

// Writes that every request would make, made at most once a minute (issue 21): the session's
// expiry (express-session touches it on each request) and an API token's "last used". Fifty
// requests at once on one cookie or token otherwise queue on that one row's lock.
import crypto from 'node:crypto';
import type { SessionData } from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createUser, type TestApp } from '../support/app';
import { PgSessionStore, TOUCH_SLACK_MS } from '../../server/http/session-store';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const sessionFor = (expires: Date) => ({ cookie: { expires, originalMaxAge: 1 } }) as unknown as SessionData;
const call = <A extends unknown[]>(fn: (...args: [...A, (e?: unknown) => void]) => void, ...args: A) =>
  new Promise<void>((resolve, reject) => fn(...args, (e?: unknown) => (e ? reject(e) : resolve())));

describe('writes made at most once a minute', () => {
  it('a session is touched only when its expiry moves by more than a minute', async () => {
    const store = new PgSessionStore(t.deps.db);
    const sid = crypto.randomUUID();
    const start = new Date(Date.now() + 3_600_000);
    await call(store.set.bind(store), sid, sessionFor(start));
    const expiry = async () => (await t.deps.db('sessions').where({ sid }).first('expires_at')).expires_at.getTime();
    await call(store.touch.bind(store), sid, sessionFor(new Date(start.getTime() + TOUCH_SLACK_MS - 1_000)));
    expect(await expiry()).toBe(start.getTime());
    const later = new Date(start.getTime() + TOUCH_SLACK_MS + 1_000);
    await call(store.touch.bind(store), sid, sessionFor(later));
    expect(await expiry()).toBe(later.getTime());
  });

  it('a touch within the minute of an expiry this process read sends no query at all', async () => {
    const store = new PgSessionStore(t.deps.db);
    const sid = crypto.randomUUID();
    const start = new Date(Date.now() + 3_600_000);
    await call(store.set.bind(store), sid, sessionFor(start));
    const other = new PgSessionStore(t.deps.db); // another web process
    await call(other.get.bind(other), sid);
    const queries: string[] = [];
    const count = (q: { sql: string }) => void queries.push(q.sql);
    t.deps.db.on('query', count);
    try {
      for (const s of [store, other])
        await call(s.touch.bind(s), sid, sessionFor(new Date(start.getTime() + TOUCH_SLACK_MS - 1_000)));
      expect(queries).toEqual([]);
      // Past the minute, one process writes; the other, not knowing, asks the row (which no longer needs it).
      const later = new Date(start.getTime() + TOUCH_SLACK_MS + 1_000);
      await call(store.touch.bind(store), sid, sessionFor(later));
      expect(queries).toHaveLength(1);
      await call(store.touch.bind(store), sid, sessionFor(later));
      expect(queries).toHaveLength(1);
      await call(other.touch.bind(other), sid, sessionFor(later));
      expect(queries).toHaveLength(2);
    } finally {
      t.deps.db.removeListener('query', count);
    }
    expect((await t.deps.db('sessions').where({ sid }).first('expires_at')).expires_at.getTime()).toBe(
      start.getTime() + TOUCH_SLACK_MS + 1_000,
    );
  });

  it("an API token's last use is written on first use, then again only after a minute", async () => {
    const user = await createUser(t, 'compliance_officer');
    const minted = await t.deps.auth.createToken({ name: 'throttle', permissions: [] }, user.id, 'system:test');
    if (minted.kind === 'invalid') throw new Error(minted.message);
    const lastUsed = async () =>
      (await t.deps.db('api_tokens').where({ name: 'throttle' }).first('last_used_at')).last_used_at;
    expect(await lastUsed()).toBeNull();
    expect(await t.deps.auth.principalFromToken(minted.token)).not.toBeNull();
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await t.deps
      .db('api_tokens')
      .where({ name: 'throttle' })
      .update({ last_used_at: new Date(Date.now() - 30_000) });
    await t.deps.auth.principalFromToken(minted.token);
    const halfAMinute = (await lastUsed()).getTime();
    expect(Date.now() - halfAMinute).toBeGreaterThanOrEqual(30_000);
    await t.deps
      .db('api_tokens')
      .where({ name: 'throttle' })
      .update({ last_used_at: new Date(Date.now() - 61_000) });
    await t.deps.auth.principalFromToken(minted.token);
    expect(Date.now() - (await lastUsed()).getTime()).toBeLessThan(30_000);
  });
});

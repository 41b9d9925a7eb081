// Logs are redacted by content as well as by field name: each error path below carries a known
// email address (or phone, card number, identity value) and the captured log output must not.
import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  noteLogIdentities,
  runWithLogScope,
  setContentRedactionForTest,
  type Logger,
} from '../../server/logger';
import { errorHandler } from '../../server/http/error-handler';
import { createTestDatabase, type TestDatabase } from '../support/db';

const EMAIL = 'planted.person@example.org';
const PHONE = '+44 7700 900123';
const CARD = '4111 1111 1111 1111'; // Luhn-valid test number
const NOT_A_CARD = '4111 1111 1111 1112';

function capture(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger('info', 'test', sink), text: () => lines.join('') };
}

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase({ empty: true });
  await tdb.db.raw('CREATE TABLE people (email text CONSTRAINT people_email_key UNIQUE)');
  await tdb.db('people').insert({ email: EMAIL });
});
afterAll(() => tdb?.drop());
afterEach(() => setContentRedactionForTest(true));

/** An app with the real error handler whose routes fail the ways Lethe's routes can. */
function appWith(logger: Logger) {
  const app = express();
  app.use((_req, _res, next) => runWithLogScope(next));
  app.get('/constraint', async () => {
    await tdb.db('people').insert({ email: EMAIL }); // unique violation; pg's detail quotes the key
  });
  app.get('/lookup', async () => {
    throw new Error(`no account found for ${EMAIL} (phone ${PHONE})`);
  });
  app.get('/cause', async () => {
    throw new Error('payment failed', { cause: new Error(`card ${CARD} declined for ${EMAIL}`) });
  });
  app.use(errorHandler(logger));
  return app;
}

describe('log redaction by content', () => {
  it('logs a database error by code and constraint name, never its detail text', async () => {
    const { logger, text } = capture();
    const res = await request(appWith(logger)).get('/constraint');
    expect(res.status).toBe(500);
    const log = text();
    expect(log).toContain('"sqlState":"23505"');
    expect(log).toContain('"constraint":"people_email_key"');
    expect(log).not.toContain(EMAIL);
    expect(log).not.toContain('Key (email)');
  });

  it('replaces emails, phone numbers and Luhn-valid card numbers in error messages, causes and stacks', async () => {
    const { logger, text } = capture();
    const app = appWith(logger);
    expect((await request(app).get('/lookup')).status).toBe(500);
    expect((await request(app).get('/cause')).status).toBe(500);
    const log = text();
    expect(log).toContain('no account found for [email] (phone [phone])');
    expect(log).toContain('card [card] declined for [email]');
    for (const planted of [EMAIL, PHONE, CARD]) expect(log).not.toContain(planted);
  });

  it('scans message strings and any string field (the `error: e.message` the jobs log)', () => {
    const { logger, text } = capture();
    logger.warn(
      { event: 'job.failed', error: `lookup failed for ${EMAIL}`, nested: { list: [`call ${PHONE}`] } },
      `job failed for ${EMAIL}`,
    );
    logger.info(`not a card: ${NOT_A_CARD}`);
    const log = text();
    expect(log).not.toContain(EMAIL);
    expect(log).not.toContain(PHONE);
    expect(log).toContain(NOT_A_CARD); // fails the Luhn check: an order number stays readable
  });

  it("replaces the current request's identity values, and only within its scope", async () => {
    const { logger, text } = capture();
    await runWithLogScope(async () => {
      noteLogIdentities({ name: ['Ada Planted-Lovelace'], customer_id: ['CUST-99812'] });
      await Promise.resolve();
      logger.info(
        { event: 'erasure.step', detail: 'deleted rows of Ada Planted-Lovelace' },
        'step for CUST-99812 done',
      );
    });
    expect(text()).not.toContain('Ada Planted-Lovelace');
    expect(text()).not.toContain('CUST-99812');
    expect(text()).toContain('[identity]');
    logger.info('outside any request: Ada Planted-Lovelace');
    expect(text()).toContain('outside any request: Ada Planted-Lovelace');
  });

  it('leaks the planted values when content redaction is switched off (the test can fail)', async () => {
    setContentRedactionForTest(false);
    const { logger, text } = capture();
    expect((await request(appWith(logger)).get('/lookup')).status).toBe(500);
    logger.warn({ error: `lookup failed for ${EMAIL}` });
    expect(text()).toContain(EMAIL);
  });
});

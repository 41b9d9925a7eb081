// A stopping web process lets the requests in flight finish before the database is closed: it
// stops accepting, closes keep-alive connections as they go idle, and cuts what is still open
// after its grace period. A raw socket holds a request open by sending its body slowly.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startWeb } from '../../server/main';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { PORT: '0', HOST: '127.0.0.1' } });
});
afterAll(async () => {
  await t?.close();
});

/** A POST whose body has not all arrived: the server is reading it. */
async function halfSentRequest(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let received = '';
  socket.on('data', (b) => (received += b.toString()));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  const body = 'email=someone%40example.test&password=x';
  socket.write(
    `POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
  );
  return { finish: () => socket.write(body.slice(10)), received: () => received, closed };
}

const settled = (p: Promise<unknown>) =>
  Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), 300))]);

describe('stopping the web process', () => {
  it('answers the requests in flight, refuses new connections, then closes', async () => {
    const web = await startWeb(t.deps);
    const port = (web.server.address() as net.AddressInfo).port;
    const inFlight = await halfSentRequest(port);
    await new Promise((r) => setTimeout(r, 100));

    const closing = web.close();
    expect(await settled(closing)).toBe(false); // still waiting for the request in flight
    await expect(
      new Promise((resolve, reject) => net.connect(port, '127.0.0.1').once('connect', resolve).once('error', reject)),
    ).rejects.toThrow(/ECONNREFUSED/);

    inFlight.finish();
    await closing;
    await inFlight.closed;
    expect(inFlight.received()).toMatch(/^HTTP\/1\.1 \d{3} /); // a whole answer, not a reset
  });

  it('cuts a request that does not finish within the grace period', async () => {
    const web = await startWeb(t.deps);
    const port = (web.server.address() as net.AddressInfo).port;
    const stuck = await halfSentRequest(port);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await web.close(400);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    await stuck.closed;
    expect(stuck.received()).toBe('');
  });
});

// Acceptance: a running web process given an invalid bundle on SIGHUP keeps serving with the old
// hash and shows the error; given a valid one it switches and audits both hashes. The real entry
// point runs as a child process (node with the tsx loader: one process, so the signal reaches it).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { bundleCopy, editOnce, footerHash, restore } from './support';

const ROOT = path.resolve(import.meta.dirname, '../..');

let database: TestDatabase;
let copy: Awaited<ReturnType<typeof bundleCopy>>;
let child: ChildProcess;
let base: string;
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (child.exitCode !== null)
      throw new Error(`the web process exited (${child.exitCode}) while waiting for ${what}:\n${output.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const auditEntry = (action: string, after: number) => () =>
  database.db('audit_log').where({ action, actor: 'system:sighup' }).where('seq', '>', after).first();
const lastSeq = async () => Number((await database.db('audit_log').max({ seq: 'seq' }).first())?.seq ?? 0);
const servedHash = async () => footerHash(await (await fetch(`${base}/login`)).text());

beforeAll(async () => {
  database = await createTestDatabase();
  copy = await bundleCopy();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    LETHE_POLICIES_DIR: copy.dir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LETHE_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    LETHE_QUEUE_PREFIX: `lethe-sighup-${crypto.randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    LETHE_WATCH_POLICIES: '0',
  };
  delete env.REDIS_URL; // jobs use BullMQ's PostgreSQL backend
  delete env.PUBLIC_URL;
  child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await until(
    'the web process to be ready',
    async () => output.includes('"web.ready"') && (await fetch(`${base}/healthz`)).ok,
    60_000,
  );
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await database?.drop();
  await copy?.remove();
});

describe('policy reload on SIGHUP', () => {
  it('keeps serving with the old hash and reports the error for an invalid bundle, then switches to a valid one and audits both hashes', async () => {
    const [stored] = await database.db('policy_bundles').select('hash');
    const oldHash: string = stored.hash;
    expect(await servedHash()).toBe(oldHash.slice(0, 12));

    // An access rule for a role that does not exist: the bundle is invalid.
    const original = await editOnce(
      copy.dir,
      'access.yaml',
      '- role: auditor\n    resource: audit_log',
      '- role: nobody\n    resource: audit_log',
    );
    let seq = await lastSeq();
    process.kill(child.pid!, 'SIGHUP');
    const rejected = await until('policy.bundle.rejected', auditEntry('policy.bundle.rejected', seq));
    expect(rejected.target).toBe(`bundle:${oldHash}`);
    expect(JSON.stringify(rejected.details.problems)).toContain('nobody');
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${base}/healthz`)).ok).toBe(true);
    expect(await servedHash()).toBe(oldHash.slice(0, 12));
    expect(output).toContain('"policy.bundle.rejected"');
    expect(await database.db('policy_bundles').count({ n: '*' }).first()).toEqual({ n: '1' });

    // A valid change (a reason reworded): the bundle switches.
    await restore(copy.dir, 'access.yaml', original);
    await editOnce(
      copy.dir,
      'access.yaml',
      'reason: Officers review who did what on their requests.',
      'reason: Officers review who did what on the requests they handle.',
    );
    seq = await lastSeq();
    process.kill(child.pid!, 'SIGHUP');
    const activated = await until('policy.bundle.activated', auditEntry('policy.bundle.activated', seq));
    const { previousHash, hash } = activated.details;
    expect(previousHash).toBe(oldHash);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toBe(previousHash);
    expect(activated.bundle_hash).toBe(hash);
    expect(child.exitCode).toBeNull();
    expect(await servedHash()).toBe(hash.slice(0, 12));
    expect((await database.db('policy_bundles').pluck('hash')).sort()).toEqual([oldHash, hash].sort());
  }, 90_000);
});

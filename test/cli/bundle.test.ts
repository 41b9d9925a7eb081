// The bundled process entries (scripts/bundle.mjs, part of `npm run build`) run the whole app on
// their own: a copy of the checkout is built, the compiled module tree is then deleted (so the
// launcher can only run the bundle: dist/ is still current, the sources are never used), and
// `npm start`'s process starts on a fresh database, seeds the demo company and carries one erasure
// from intake to its certificate: web pages, the worker (PostgreSQL and files engines, DuckDB),
// the PDF kit. Real processes and services; the repository's own dist/ is never touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryBody, csrfFrom } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { sql } from '../requests/support';
import { copyCheckout } from '../support/checkout-copy';

let root: string;
let dataDir: string;
let database: TestDatabase;
let child: ChildProcess | null = null;
let out = '';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** A code of the step `offset` from now (the ±1 window accepts it), so two uses need no wait. */
const code = (secret: string, offset: number) =>
  authenticator.clone({ epoch: (Math.floor(Date.now() / 30_000) + offset) * 30_000 + 15_000 }).generate(secret);

/** `node scripts/launch.mjs <entry>` in the copy, on the test's database and data dir; its output goes to `out`. */
function launch(entry: string, port: number): ChildProcess {
  const p = spawn(process.execPath, ['scripts/launch.mjs', entry], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: database.url,
      LETHE_DATA_DIR: dataDir,
      LETHE_DEMO_MYSQL_URL: 'off',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return p;
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | null | undefined>): Promise<T> {
  for (const end = Date.now() + ms; ;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  root = copyCheckout('lethe-bundle-test-', ['views', 'policies']);
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8', timeout: 240_000 });
  expect(build.status, build.stderr + build.stdout).toBe(0);
  expect(build.stdout).toContain('the process entries bundled in dist/bundle/');
  // Only the bundle is left to run.
  fs.rmSync(path.join(root, 'dist/server'), { recursive: true });
  fs.rmSync(path.join(root, 'dist/jobs'), { recursive: true });
  fs.rmSync(path.join(root, 'dist/migrations'), { recursive: true });
  database = await createTestDatabase({ empty: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-bundle-data-'));
}, 300_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  // The demo company's systems were created beside the test database.
  const systems = dataDir && path.join(dataDir, 'demo-systems.json');
  if (systems && fs.existsSync(systems)) {
    const admin = database.url.replace(/\/[^/]+$/, '/postgres');
    for (const url of Object.values(JSON.parse(fs.readFileSync(systems, 'utf8')) as Record<string, string>))
      if (url.startsWith('postgres'))
        await sql(admin, `DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  }
  await database?.drop();
  for (const dir of [root, dataDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the bundled build', () => {
  it('keeps the libraries that find their own files, and the database and queue clients, external', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'dist/bundle/bundle.json'), 'utf8'));
    expect(manifest.entries).toEqual(['server/start', 'server/main', 'jobs/worker', 'jobs/scheduler']);
    expect(manifest.bundled).toEqual(expect.arrayContaining(['express', 'zod', 'yaml']));
    expect(manifest.external).toEqual(expect.arrayContaining(['knex', 'pg', 'bullmq', 'ioredis', 'pino', 'argon2']));
    // A dependency of an external library is external too (never two copies side by side).
    expect(manifest.bundled).not.toContain('lodash'); // knex's
    expect(manifest.bundled).not.toContain('luxon'); // cron-parser's, through bullmq
  });

  it('npm start runs from the bundle alone: demo seeded, an erasure carried through to its certificate', async () => {
    const port = await freePort();
    child = launch('server/start.ts', port);
    await until('the start', 180_000, async () => {
      if (child!.exitCode !== null) throw new Error(`npm start exited ${child!.exitCode}\n${out}`);
      return out.includes('Lethe is running');
    });
    const url = `http://127.0.0.1:${port}`;
    const password = /password for all: (\S+)\)/.exec(out)![1];
    const officers = [...out.matchAll(/compliance_officer\s+(\S+)\s+TOTP key ([A-Z2-7]+)/g)].map((m) => ({
      email: m[1],
      key: m[2],
    }));
    expect(officers).toHaveLength(2);

    const signIn = async (who: { email: string; key: string }) => {
      const agent = request.agent(url);
      const login = await agent.get('/login').expect(200);
      await agent
        .post('/login')
        .type('form')
        .send({ _csrf: csrfFrom(login.text), email: who.email, password })
        .expect(303)
        .expect('location', '/login/mfa');
      const mfa = await agent.get('/login/mfa').expect(200);
      await agent
        .post('/login/mfa')
        .type('form')
        .send({ _csrf: csrfFrom(mfa.text), code: code(who.key, -1) })
        .expect(303);
      return agent;
    };
    const [first, second] = [await signIn(officers[0]), await signIn(officers[1])];
    for (const page of ['/', '/requests', '/audit-log', '/systems', '/reports']) {
      const res = await first.get(page);
      expect(res.status, `${page}: ${res.text.slice(0, 300)}`).toBe(200);
    }

    const crm = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-systems.json'), 'utf8')).CRM_DATABASE_URL;
    const [subject] = await sql<{ email: string }>(crm, 'SELECT email FROM customers ORDER BY id LIMIT 1 OFFSET 8');
    const form = await first.get('/requests/new').expect(200);
    const created = await first
      .post('/requests')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), type: 'erasure', regulation: 'gdpr', email: subject.email })
      .expect(303);
    const page = created.headers.location as string;
    const shown = await first.get(page).expect(200);
    const method = /<select[^>]*name="method"[\s\S]*?<option value="([^"]+)"[^>]*selected/.exec(shown.text)![1];
    await first
      .post(`${page}/verify`)
      .type('form')
      .send({ _csrf: csrfFrom(shown.text), method, evidence: 'Confirmation link clicked from the address on file' })
      .expect(303);
    const toApprove = await second.get(page).expect(200);
    await second
      .post(`${page}/approve`)
      .type('form')
      .send({ _csrf: csrfFrom(toApprove.text), code: code(officers[1].key, 0) })
      .expect(303);

    // "completed", or "completed — part held": the demo holds support tickets under litigation.
    const done = await until('the request to complete', 180_000, async () => {
      const res = await second.get(page);
      return /data-testid="request-status"[^>]*>completed/.test(res.text) ? res : null;
    });
    expect(done.text).toContain('data-testid="certificate-link"');
    const pdf = await second.get(`${page}/certificate.pdf`).buffer(true).parse(binaryBody);
    expect(pdf.status).toBe(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    expect(await sql(crm, 'SELECT 1 FROM customers WHERE email = $1', [subject.email])).toEqual([]);

    // The validated policy bundle was kept for this build (the next start reads it back).
    const stamp = JSON.parse(fs.readFileSync(path.join(root, 'dist/.build-stamp'), 'utf8'));
    expect(await sql(database.url, 'SELECT build FROM policy_bundle_cache')).toEqual([{ build: stamp.sources }]);
  }, 420_000);

  it('npm run web, worker and scheduler each start from their bundle and stop cleanly', async () => {
    const port = await freePort();
    const processes = ['server/main.ts', 'jobs/worker.ts', 'jobs/scheduler.ts'].map((entry) => launch(entry, port));
    try {
      // Each registers itself in policy_processes once its bootstrap has run; the web then answers.
      const pids = processes.map((p) => p.pid);
      const roles = await until('the three processes', 120_000, async () => {
        for (const p of processes) if (p.exitCode !== null) throw new Error(`a process exited ${p.exitCode}\n${out}`);
        const rows = await sql<{ role: string; pid: number }>(database.url, 'SELECT role, pid FROM policy_processes');
        const ours = rows.filter((r) => pids.includes(r.pid)).map((r) => r.role);
        // (The web registers before it listens.)
        const listening = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        );
        return ours.length === 3 && listening ? ours.sort() : null;
      });
      expect(roles).toEqual(['scheduler', 'web', 'worker']);
    } finally {
      const codes = await Promise.all(
        processes.map((p) => {
          if (p.exitCode !== null) return p.exitCode;
          p.kill('SIGTERM');
          return new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
        }),
      );
      expect(codes).toEqual([0, 0, 0]);
    }
  }, 180_000);
});

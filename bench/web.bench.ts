// The web under load (issue 21): a fresh database with 100,000 requests and 1,000,000 audit-log
// entries (SQL bulk rows, test/support/scale-data.ts), the web process started as `npm run web`
// would (compiled build when current), and autocannon on each page with a signed-in session.
// Reports req/s, p50, p99, errors (non-2xx + socket errors) and the web process's RSS before and
// after (after each page, and again after BENCH_WEB_IDLE_SECONDS, default 30, of idling), with its V8
// heap from /metrics, and right after a full garbage collection before and after the load
// (bench/web-gc.mjs, preloaded; SIGUSR2): what the process keeps, apart from garbage not yet collected.
// Median of 3 runs per page (BENCH_WEB_RUNS). BENCH_WEB_SECONDS (default 20) and BENCH_WEB_CONNECTIONS (50).
// Target: every page's p99 within 5× of /healthz, no errors, RSS growth under 50 MB. Two floors are
// measured beside the pages: a signed-in form with no query, and the API's cheapest route.
// Then the audit log's CSV download of every entry (issue 21, point 3): time, bytes and the web
// process's peak RSS while it streams (sampled every 50 ms).
// BENCH_WEB_DATABASE names an already seeded database to use as is (kept afterwards): for
// iterating on the pages without seeding 1,000,000 entries each time. For iterating too:
// BENCH_WEB_PAGES (comma-separated words: only the pages whose label contains one, the bare route
// always, no CSV download) and BENCH_WEB_NODE_ARGS (options for the web process's node, e.g. --cpu-prof).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { createDb } from '../server/db/knex';
import { migrateLatest } from '../server/db/migrate';
import { insertAuditEntries, insertRequests } from '../test/support/scale-data';
import { totpNow } from '../server/auth/totp';

const SECONDS = Number(process.env.BENCH_WEB_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_WEB_CONNECTIONS ?? 50);
const REQUESTS = Number(process.env.BENCH_WEB_REQUESTS ?? 100_000);
const AUDIT = Number(process.env.BENCH_WEB_AUDIT ?? 1_000_000);
const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 3);
const IDLE_SECONDS = Number(process.env.BENCH_WEB_IDLE_SECONDS ?? 30);
const ONLY = (process.env.BENCH_WEB_PAGES ?? '').split(',').filter(Boolean);
const NODE_ARGS = (process.env.BENCH_WEB_NODE_ARGS ?? '').split(' ').filter(Boolean);
const PORT = 3900 + Math.floor(Math.random() * 90);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const adminUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const existing = process.env.BENCH_WEB_DATABASE;
const name = existing ?? `lethe_bench_web_${crypto.randomBytes(4).toString('hex')}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = '/' + name;
  return u.toString();
})();

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The web process's V8 heap (used / total, MB) from its /metrics (served to loopback). */
const heapMb = async (base: string) => {
  const text = await (await fetch(base + '/metrics')).text();
  const metric = (name: string) =>
    Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20);
  return `${metric('nodejs_heap_size_used_bytes')} / ${metric('nodejs_heap_size_total_bytes')}`;
};
/** The web process's memory right after a full garbage collection (bench/web-gc.mjs): RSS / live heap, MB. */
const afterGc = async (pid: number, file: string) => {
  fs.rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (const t = Date.now(); !fs.existsSync(file); await new Promise((r) => setTimeout(r, 50)))
    if (Date.now() - t > 10_000) throw new Error('the web process wrote no memory figures after SIGUSR2');
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as NodeJS.MemoryUsage;
  return { rss: rssMb(pid), heapUsed: Math.round(m.heapUsed / 2 ** 20), heapTotal: Math.round(m.heapTotal / 2 ** 20) };
};
const rssMb = (pid: number) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!existing) await admin(`CREATE DATABASE ${name}`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lethe-bench-web-'));
let web: ReturnType<typeof spawn> | undefined;
try {
  const db = createDb(dbUrl, 2);
  await migrateLatest(db);
  let t = Date.now();
  if (!existing) {
    await insertRequests(db, REQUESTS);
    await insertAuditEntries(db, AUDIT);
  }
  // VACUUM as autovacuum would have by then: bulk-loaded rows have no visibility map yet, so
  // every count (even one an index alone answers) would read the whole table.
  await db.raw('VACUUM ANALYZE');
  console.log(
    existing
      ? `database ${name} as seeded`
      : `seeded ${REQUESTS.toLocaleString('en')} requests and ${AUDIT.toLocaleString('en')} audit entries in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  await db.destroy();

  const env = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    LETHE_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    LETHE_REPORT_SIGNING_KEY: crypto.randomBytes(32).toString('hex'),
    LETHE_DATA_DIR: dataDir,
    LETHE_ANON_RATE_LIMIT: '100000000',
    LOG_LEVEL: 'warn',
    BENCH_WEB_GC_FILE: path.join(dataDir, 'gc.json'),
  };
  const password = 'bench horse battery staple';
  const email = `officer-${crypto.randomBytes(3).toString('hex')}@bench.example`;
  const create = spawn(
    process.execPath,
    [
      path.join(root, 'bin', 'lethe.mjs'),
      'user',
      'create',
      '--email',
      email,
      '--role',
      'compliance_officer',
      '--password-stdin',
    ],
    { env, stdio: ['pipe', 'inherit', 'inherit'] },
  );
  create.stdin!.end(password);
  await new Promise((resolve) => create.on('exit', resolve));

  const lethe = async (args: string[], stdin?: string) => {
    const p = spawn(process.execPath, [path.join(root, 'bin', 'lethe.mjs'), ...args], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    p.stdin!.end(stdin ?? '');
    await new Promise((resolve) => p.on('exit', resolve));
    return out.trim();
  };
  // Personal API tokens: the officer's for GET /api/v1/requests; an auditor's (auditors export
  // the audit log) for the CSV download.
  const token = await lethe(['token', 'create', '--for', email, '--name', 'bench']);
  const auditorEmail = `auditor-${crypto.randomBytes(3).toString('hex')}@bench.example`;
  await lethe(['user', 'create', '--email', auditorEmail, '--role', 'auditor', '--password-stdin'], password);
  const auditorToken = await lethe(['token', 'create', '--for', auditorEmail, '--name', 'bench']);
  if (!token || !auditorToken) throw new Error('no API token was minted');

  const gcPreload = ['--expose-gc', '--import', pathToFileURL(path.join(root, 'bench', 'web-gc.mjs')).href];
  web = spawn(
    process.execPath,
    [...gcPreload, ...NODE_ARGS, path.join(root, 'scripts', 'launch.mjs'), 'server/main.ts'],
    {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${PORT}`;
  for (t = Date.now(); ;) {
    try {
      if ((await fetch(base + '/healthz')).ok) break;
    } catch {}
    if (Date.now() - t > 120_000) throw new Error('the web process did not answer /healthz in 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }

  // Sign in through the real pages (password, then TOTP enrolment), keeping the cookies.
  const jar = new Map<string, string>();
  const call = async (p: string, form?: Record<string, string>) => {
    const res = await fetch(base + p, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  };
  const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
  const login = await call('/login');
  const posted = await call('/login', { _csrf: csrf(login.text), email, password });
  if (posted.location === '/mfa/enrol') {
    const enrol = await call('/mfa/enrol');
    const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(enrol.text)![1];
    await call('/mfa/enrol', { _csrf: csrf(enrol.text), code: totpNow(secret) });
  }
  if ((await call('/requests')).status !== 200) throw new Error('sign-in failed');
  const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const firstPage = await call('/audit-log');
  const deepSeq = AUDIT - 1_000_000 + 50 > 0 ? AUDIT - 1_000_000 + 50 : 50;

  // The deep page as a person reaches it: page 2,000 typed in (an offset), then its Next link (a
  // keyset cursor), which is what paging through the list gives.
  const typedDeep = '/requests?status=all&page=2000';
  const deepNext = /<a rel="next" href="([^"]+)">/.exec((await call(typedDeep)).text)?.[1].replace(/&amp;/g, '&');
  if (!deepNext) throw new Error('page 2,000 of the request list has no Next link');
  const pages: [string, string, Record<string, string>?][] = [
    ['bare route', '/healthz'],
    // The floors: what any signed-in page costs before its own work (session, principal, access
    // policy, CSRF token, layout) — a form with no query; the API's cheapest route.
    ['signed-in floor: the new-request form (no query)', '/requests/new'],
    ['API floor `GET /api/v1/me`', '/api/v1/me', { authorization: `Bearer ${token}` }],
    ['dashboard', '/'],
    ['requests, first page', '/requests?status='],
    ['requests, filtered', '/requests?status=completed&type=erasure&regulation=gdpr'],
    ['requests, page 2,000 typed in (offset 49,975)', typedDeep],
    ['requests, page 2,001 by its Next link (keyset)', '/requests' + deepNext],
    ['audit log, first page', '/audit-log'],
    [
      `audit log, ${AUDIT.toLocaleString('en')} entries back (keyset)`,
      `/audit-log?page=${Math.ceil(AUDIT / 50) - 1}&after=${deepSeq}`,
    ],
    ['audit log, filtered (action request.)', '/audit-log?action=request.'],
    ['API `GET /api/v1/requests`', '/api/v1/requests', { authorization: `Bearer ${token}` }],
  ];
  if (!firstPage.text.includes('Page 1 of')) throw new Error('audit log page did not render');
  const rssBefore = rssMb(web.pid!);
  const gcBefore = await afterGc(web.pid!, env.BENCH_WEB_GC_FILE);
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `${CONNECTIONS} connections, ${SECONDS} s per run, median of ${RUNS}; web RSS before: ${rssBefore} MB, heap used / total ${await heapMb(base)} MB`,
  );
  console.log('| page | req/s | p50 ms | p99 ms | errors | web RSS after MB |');
  console.log('| --- | --- | --- | --- | --- | ---: |');
  for (const [label, p, headers] of pages) {
    if (ONLY.length && p !== '/healthz' && !ONLY.some((w) => label.includes(w))) continue;
    if (!p.startsWith('/api/') && (await fetch(base + p, { headers: headers ?? { cookie } })).status !== 200)
      throw new Error(`${p} does not answer 200 to the signed-in officer`);
    const runs: autocannon.Result[] = [];
    for (let i = 0; i < RUNS; i++)
      runs.push(
        await autocannon({
          url: base + p,
          connections: CONNECTIONS,
          duration: SECONDS,
          headers: headers ?? { cookie },
        }),
      );
    const errors = runs.map((r) => r.errors + r.timeouts + r.non2xx);
    console.log(
      `| ${label} \`${p}\` | ${median(runs.map((r) => r.requests.average)).toFixed(0)} | ${median(runs.map((r) => r.latency.p50))} | ${median(runs.map((r) => r.latency.p99))} | ${median(errors)} (max ${Math.max(...errors)}) | ${rssMb(web.pid!)} |`,
    );
  }
  // A leak keeps growing and stays; a heap sized by fifty pages in flight stops growing (see the
  // column above, page after page) and is given back once the process is idle.
  const rssAfter = rssMb(web.pid!);
  const heapAfter = await heapMb(base);
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  console.log(
    `web RSS after: ${rssAfter} MB (before ${rssBefore} MB; heap used / total ${heapAfter} MB); after ${IDLE_SECONDS} s idle: ${rssMb(web.pid!)} MB (heap ${await heapMb(base)} MB); load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const gcAfter = await afterGc(web.pid!, env.BENCH_WEB_GC_FILE);
  console.log(
    `after a full GC (bench/web-gc.mjs): RSS ${gcBefore.rss} MB before the load, ${gcAfter.rss} MB after it (growth ${gcAfter.rss - gcBefore.rss} MB); live heap ${gcBefore.heapUsed} → ${gcAfter.heapUsed} MB (heap total ${gcBefore.heapTotal} → ${gcAfter.heapTotal} MB)`,
  );
  // The CSV download of every entry: read as fast as it comes, the web process's RSS sampled meanwhile.
  if (!ONLY.length) {
    const rssCsvBefore = rssMb(web.pid!);
    let peak = rssCsvBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(web!.pid!))), 50);
    t = Date.now();
    const csv = await fetch(base + '/audit-log.csv', { headers: { authorization: `Bearer ${auditorToken}` } });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of csv.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) lines++;
    }
    clearInterval(sampler);
    console.log(
      `audit log CSV (status ${csv.status}): ${(lines - 1).toLocaleString('en')} entries, ${(bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s; web RSS ${rssCsvBefore} MB before, peak ${peak} MB while streaming`,
    );
  }
} finally {
  if (web && web.exitCode === null) {
    const exited = new Promise((r) => web!.once('exit', r));
    web.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  }
  if (!existing) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

// What the parallel erasure bench watches while a run goes: CPU seconds of the worker processes, of
// PostgreSQL (the postmaster's reaped children plus its live ones) and of Redis, the machine's busy
// share (/proc/stat), and what the backends on the run's databases are doing, sampled from
// pg_stat_activity (on CPU, waiting for a lock — which one — or for I/O). After a run, a digest of
// everything the run decided, for the comparison between worker counts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { execSync } from 'node:child_process';
import pg from 'pg';
import { Redis } from 'ioredis';
import { DEMO_SYSTEMS, type DemoSystem } from '../server/demo/systems';
import { contentDigest, type Urls } from './erasure-data';

const TICK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** utime + stime (+ reaped children's when asked) of a process, in seconds; 0 once it is gone. */
export function cpuOf(pid: number, withChildren = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the name start at 3 (state): utime 14, stime 15, cutime 16, cstime 17.
    const own = Number(f[11]) + Number(f[12]);
    return (own + (withChildren ? Number(f[13]) + Number(f[14]) : 0)) / TICK;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every CPU second PostgreSQL spent: the postmaster, its reaped backends and its live ones. */
export function postgresCpu(postmaster: number): number {
  return cpuOf(postmaster, true) + childrenOf(postmaster).reduce((s, p) => s + cpuOf(p), 0);
}

/** The postmaster's pid: the parent of this connection's backend. */
export async function postmasterPid(adminUrl: string): Promise<number | null> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query('SELECT pg_backend_pid() AS pid');
    const stat = fs.readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null; // PostgreSQL on another host or in a container: not measured
  } finally {
    await c.end();
  }
}

export async function redisCpu(redisUrl: string): Promise<number> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    const info = await r.info('cpu');
    const v = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return v('used_cpu_sys') + v('used_cpu_user');
  } finally {
    r.quit();
  }
}

/** Busy and total jiffies of the whole machine. */
export function machineTicks(): { busy: number; total: number } {
  const [, ...v] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - v[3] - v[4], total };
}

export interface ActivitySamples {
  samples: number;
  /** Backend-samples by what they were doing: 'CPU', 'Lock:advisory', 'IO:WALSync', … */
  states: Record<string, number>;
  /** Backend-samples on CPU by statement (its first 70 characters): where PostgreSQL's time goes. */
  statements: Record<string, number>;
  /** CPU seconds of the backends connected to the run's databases (read from /proc at each sample). */
  backendCpu: number;
}

/**
 * Samples pg_stat_activity of the given databases every `everyMs` until stopped. Every 100 ms the
 * sampling (its query, its backend, /proc read for each of the run's ≈ 40 backends) took 5 % of a core
 * in a 2-worker run (80 erasures: the bench process 2.0 s and its backend 0.8 s of 53 s), CPU the
 * workers need when two share the two cores; every 500 ms it is ≈ 1 %, and a 1,000-erasure run still
 * gets over a thousand samples. A backend's CPU is read at each sample, so what it uses after the last
 * one (at most an interval's worth) is not counted; the workers' backends are pooled and live through the run.
 */
export function sampleActivity(adminUrl: string, databases: string[], everyMs = 500) {
  const out: ActivitySamples = { samples: 0, states: {}, statements: {}, backendCpu: 0 };
  const client = new pg.Client({ connectionString: adminUrl });
  // Per backend: CPU when first seen (backends open before the run count from there) and last read.
  const seen = new Map<number, { first: number; last: number }>();
  let stopped = false;
  const done = (async () => {
    await client.connect();
    while (!stopped) {
      const { rows } = await client.query<{ pid: number; active: boolean; w: string; q: string }>(
        `SELECT pid, state = 'active' AS active, coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w,
                left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS q
           FROM pg_stat_activity
          WHERE datname = ANY($1) AND pid <> pg_backend_pid()`,
        [databases],
      );
      out.samples++;
      for (const r of rows) {
        const cpu = cpuOf(r.pid);
        const s = seen.get(r.pid);
        if (s) s.last = Math.max(s.last, cpu);
        else seen.set(r.pid, { first: out.samples === 1 ? cpu : 0, last: cpu });
        if (!r.active) continue;
        out.states[r.w] = (out.states[r.w] ?? 0) + 1;
        if (r.w === 'CPU') out.statements[r.q] = (out.statements[r.q] ?? 0) + 1;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await client.end();
    out.backendCpu = [...seen.values()].reduce((sum, s) => sum + s.last - s.first, 0);
  })();
  return {
    async stop(): Promise<ActivitySamples> {
      stopped = true;
      await done;
      return out;
    },
  };
}

export async function deadlocks(adminUrl: string, databases: string[]): Promise<number> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query(
      'SELECT coalesce(sum(deadlocks), 0)::int AS n FROM pg_stat_database WHERE datname = ANY($1)',
      [databases],
    );
    return rows[0].n;
  } finally {
    await c.end();
  }
}

async function one<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/**
 * What a run decided, as comparable text: every table of every system (count + md5 of the rows in
 * key order), and per request (in reference order) its status, outcome totals, verification and
 * steps (counts per table); the audit log as the multiset of (actor, action, target).
 */
/** Per erasure request, in reference order: status, outcome totals, verification, held rows, artefacts, steps. */
export async function requestLines(letheUrl: string): Promise<string[]> {
  const rows = await one<{ x: string }>(
    letheUrl,
    `SELECT concat_ws('|', r.reference, r.status, r.outcome->'totals', r.outcome->'verification'->'clean',
              r.outcome->'held', r.outcome->'artefacts',
              (SELECT string_agg(concat_ws(':', s.step_key, s.status, s.rows_affected, s.rows_kept, s.applied_count,
                                           s.details #- '{result,ms}'), ',' ORDER BY s.position)
                 FROM request_steps s WHERE s.request_id = r.id)) AS x
       FROM requests r WHERE r.type = 'erasure' ORDER BY r.reference`,
  );
  // A files step notes each file's record count and SHA-256 before and after its rewrite: with more than
  // one worker the erasures reach a file in another order, so those intermediate states differ while
  // what each erasure removed (its counts, compared) and the files in the end (filesDigest) do not.
  return rows.map((r) => r.x.replace(/: \d+ → \d+ records, sha256 [0-9a-f]+ → [0-9a-f]+/g, ': rewritten'));
}

export async function runDigest(letheUrl: string, systems: Urls, tables: Record<DemoSystem, string[]>) {
  const out: Record<string, string> = await contentDigest(systems, tables);
  const lines = await requestLines(letheUrl);
  const req = { n: String(lines.length), h: crypto.createHash('md5').update(lines.join('\n')).digest('hex') };
  out['lethe.requests+steps'] = `${req.n}:${req.h}`;
  const [audit] = await one<{ n: string; h: string }>(
    letheUrl,
    `SELECT count(*)::text AS n,
            md5(coalesce(string_agg(concat_ws('|', a.actor, a.action, coalesce(r.reference, a.target)), E'\\n'
                  ORDER BY a.action, coalesce(r.reference, a.target), a.actor), '')) AS h
       FROM audit_log a LEFT JOIN requests r ON a.target = 'request:' || r.id`,
  );
  out['lethe.audit_log (actor, action, request)'] = `${audit.n}:${audit.h}`;
  return out;
}

export async function statusCounts(letheUrl: string): Promise<Record<string, number>> {
  const rows = await one<{ status: string; n: number }>(
    letheUrl,
    "SELECT status, count(*)::int AS n FROM requests WHERE type = 'erasure' GROUP BY 1 ORDER BY 1",
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export const SYSTEM_NAMES = DEMO_SYSTEMS;

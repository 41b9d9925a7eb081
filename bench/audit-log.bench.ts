// Audit-log benchmark: what the keyed chain (HMAC-SHA256 per entry, issue 11) costs against the
// plain SHA-256 chain. Builds N entries per database (bulk-inserted, hashes computed here exactly
// as the service does), then times verify() — the walk `lethe audit verify-log` does — three times
// each, and 2,000 sequential appends through the service. Prints a BENCHMARKS.md section.
// AUDIT_BENCH_ENTRIES changes the size; BENCH_DATABASE_URL (else TEST_DATABASE_URL) the server.
import crypto from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { createDb } from '../server/db/knex';
import { migrateLatest } from '../server/db/migrate';
import { createCrypto } from '../server/crypto';
import { createAuditLog } from '../server/audit-log/service';
import { entryHash, GENESIS_HASH } from '../server/audit-log/chain';

const N = Number(process.env.AUDIT_BENCH_ENTRIES ?? 100_000);
const adminUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `lethe_bench_audit_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function scenario(keyed: boolean) {
  return withDatabase(async (url) => {
    const db = createDb(url, 10);
    try {
      await migrateLatest(db);
      const c = createCrypto(crypto.randomBytes(32));
      if (!keyed) {
        // The plain chain: move the keyed start past the entries (the owner can; the bench is the owner).
        await db.raw('ALTER TABLE audit_chain_start DISABLE TRIGGER USER');
        await db('audit_chain_start').update({ keyed_from: N + 1_000_000 });
        await db.raw('ALTER TABLE audit_chain_start ENABLE TRIGGER USER');
      }
      let prev = GENESIS_HASH;
      const at = new Date();
      for (let start = 1; start <= N; start += 5_000) {
        const rows = [];
        for (let seq = start; seq < Math.min(start + 5_000, N + 1); seq++) {
          const e = {
            seq,
            at,
            actor: 'system:bench',
            action: 'bench.entry',
            target: `request:${seq}`,
            details: { i: seq, note: 'x'.repeat(40) },
            bundleHash: 'b'.repeat(64),
            keyId: keyed ? c.keyId : null,
          };
          const hash = entryHash(prev, e, keyed ? c.key('audit-log') : null);
          rows.push({
            seq,
            at,
            actor: e.actor,
            action: e.action,
            target: e.target,
            details: JSON.stringify(e.details),
            bundle_hash: e.bundleHash,
            prev_hash: prev,
            hash,
            key_id: e.keyId,
          });
          prev = hash;
        }
        await db('audit_log').insert(rows);
      }
      const audit = createAuditLog(db, () => 'b'.repeat(64), { crypto: c, checkpointEvery: 100 });
      const verifyMs: number[] = [];
      // Peak RSS of this process while verify() streams the chain (sampled every 20 ms).
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
      for (let run = 0; run < 3; run++) {
        const t0 = performance.now();
        const r = await audit.verify();
        verifyMs.push(performance.now() - t0);
        if (!r.ok || r.entries !== N) throw new Error(`verify failed: ${JSON.stringify(r)}`);
      }
      clearInterval(sampler);
      const t0 = performance.now();
      for (let i = 0; i < 2_000; i++)
        await audit.append({ actor: 'system:bench', action: 'bench.append', details: { i } });
      const appendMs = performance.now() - t0;
      // 8 concurrent writers, 250 appends each: the chain serialises them (advisory lock).
      const waits: number[] = [];
      const tc = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 250; i++) {
            const s = performance.now();
            await audit.append({ actor: `system:writer-${w}`, action: 'bench.concurrent', details: { i } });
            waits.push(performance.now() - s);
          }
        }),
      );
      const concurrentMs = performance.now() - tc;
      const after = await audit.verify();
      if (!after.ok) throw new Error(`chain broken after concurrent appends: ${JSON.stringify(after)}`);
      waits.sort((a, b) => a - b);
      return {
        verifyMs,
        appendMs,
        peakRssMb: Math.round(peakRss / 2 ** 20),
        concurrentPerS: 2000 / (concurrentMs / 1000),
        p50Wait: waits[Math.floor(waits.length / 2)],
        p99Wait: waits[Math.floor(waits.length * 0.99)],
      };
    } finally {
      await db.destroy();
    }
  });
}

const plain = process.env.AUDIT_BENCH_PLAIN === '0' ? null : await scenario(false);
const keyed = await scenario(true);
const load = os.loadavg()[0].toFixed(1);
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`## Audit log

Run with \`npm run bench -- audit-log\`. Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}; load average ${load} (shared machine, other work running: noisy).
${N.toLocaleString('en')} entries bulk-inserted per database; verify() is the walk \`lethe audit verify-log\` does (median of 3); appends are sequential through the service (advisory lock, one transaction each, a checkpoint every 100).

| chain | verify ${N.toLocaleString('en')} entries | per entry | 2,000 appends | per append |
| --- | ---: | ---: | ---: | ---: |
${plain ? `| plain SHA-256 (entries before the keyed start) | ${fmt(median(plain.verifyMs))} | ${((1000 * median(plain.verifyMs)) / N).toFixed(1)} µs | ${fmt(plain.appendMs)} | ${(plain.appendMs / 2000).toFixed(2)} ms |\n` : ''}| keyed HMAC-SHA256 | ${fmt(median(keyed.verifyMs))} | ${((1000 * median(keyed.verifyMs)) / N).toFixed(1)} µs | ${fmt(keyed.appendMs)} | ${(keyed.appendMs / 2000).toFixed(2)} ms |

Individual verify runs (ms): ${plain ? `plain ${plain.verifyMs.map(Math.round).join(', ')}; ` : ''}keyed ${keyed.verifyMs.map(Math.round).join(', ')}. Peak RSS of the verifying process: ${keyed.peakRssMb} MB (keyed run).
8 concurrent writers × 250 appends (keyed chain): ${keyed.concurrentPerS.toFixed(0)} appends/s, wait per append p50 ${keyed.p50Wait.toFixed(0)} ms, p99 ${keyed.p99Wait.toFixed(0)} ms; the chain verifies after.`);
